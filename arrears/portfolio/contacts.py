"""Actions on contact points: opt-outs per channel, verification, do-not-contact."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError
from arrears.portfolio.choices import CHANNELS_BY_KIND, Channel
from arrears.portfolio.models import ContactPoint


class ChannelNotOnPoint(DomainError):
    """The channel does not belong to this kind of contact point (no SMS to an e-mail address)."""


def _lock(point_id: int) -> ContactPoint:
    return ContactPoint.objects.select_for_update().select_related("debtor").get(pk=point_id)


def _check_channel(point: ContactPoint, channel: str) -> None:
    if channel not in CHANNELS_BY_KIND[point.kind]:
        raise ChannelNotOnPoint(
            _("A %(kind)s cannot be used for %(channel)s.")
            % {
                "kind": point.get_kind_display(),
                "channel": Channel(channel).label if channel in Channel.values else channel,
            }
        )


def _audit(point: ContactPoint, action: str, *, actor: Any, now: datetime, reason: str, **after: Any) -> None:
    record_event(
        actor=actor, action=action, target=point, now=now, portfolio_id=point.debtor.portfolio_id, reason=reason,
        after={"debtor": point.debtor.external_ref, "kind": point.kind, **after},
    )  # fmt: skip


@transaction.atomic
def record_opt_out(
    *, point_id: int, channel: str, actor: Any, now: datetime, reason: str = ""
) -> ContactPoint:
    """Stop using ``channel`` on this contact point from ``now`` (the debtor said 退订 / stop).

    Recording an opt-out that is already there changes nothing.

    :raises ChannelNotOnPoint: when the channel does not belong to the point's kind.
    """
    point = _lock(point_id)
    _check_channel(point, channel)
    if channel in point.opt_outs:
        return point
    point.opt_outs = {**point.opt_outs, channel: now.isoformat()}
    point.save(update_fields=["opt_outs"])
    _audit(point, "portfolio.record_opt_out", actor=actor, now=now, reason=reason, channel=channel)
    return point


@transaction.atomic
def withdraw_opt_out(*, point_id: int, channel: str, actor: Any, now: datetime, reason: str) -> ContactPoint:
    """Use ``channel`` on this contact point again, after the debtor asked for it.

    :raises ChannelNotOnPoint: when the channel does not belong to the point's kind.
    """
    point = _lock(point_id)
    _check_channel(point, channel)
    if channel not in point.opt_outs:
        return point
    point.opt_outs = {key: value for key, value in point.opt_outs.items() if key != channel}
    point.save(update_fields=["opt_outs"])
    _audit(point, "portfolio.withdraw_opt_out", actor=actor, now=now, reason=reason, channel=channel)
    return point


@transaction.atomic
def mark_verified(*, point_id: int, actor: Any, now: datetime, reason: str = "") -> ContactPoint:
    """Record that the contact point was confirmed to reach the debtor, now."""
    point = _lock(point_id)
    point.verified, point.last_verified_at = True, now
    point.save(update_fields=["verified", "last_verified_at"])
    _audit(point, "portfolio.verify_contact_point", actor=actor, now=now, reason=reason)
    return point


@transaction.atomic
def set_do_not_contact(
    *, point_id: int, do_not_contact: bool, actor: Any, now: datetime, reason: str = ""
) -> ContactPoint:
    """Forbid (or allow again) every use of the contact point; saying the same again changes nothing."""
    point = _lock(point_id)
    if point.do_not_contact == do_not_contact:
        return point
    point.do_not_contact = do_not_contact
    point.save(update_fields=["do_not_contact"])
    _audit(
        point,
        "portfolio.set_do_not_contact",
        actor=actor,
        now=now,
        reason=reason,
        do_not_contact=do_not_contact,
    )
    return point
