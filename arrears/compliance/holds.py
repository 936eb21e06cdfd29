"""Actions on holds: place one (with its reason) and lift it (with who and why)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from arrears.compliance.models import HOLD_LABELS, Hold
from arrears.compliance.rules.vocabulary import HoldType
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError, PermissionDenied
from arrears.people.roles import Capability
from arrears.portfolio.models import ContactPerson, ContactPoint, Debt, Debtor


class InvalidHold(DomainError):
    """A hold without a reason, ending before it starts, or about another debtor's debt or contact."""


def _summary(hold: Hold) -> dict[str, Any]:
    return {
        "type": hold.type,
        "starts_at": hold.starts_at.isoformat(),
        "ends_at": hold.ends_at.isoformat() if hold.ends_at else None,
        "debt": hold.debt_id,
        "contact_person": hold.contact_person_id,
        "contact_point": hold.contact_point_id,
    }


@transaction.atomic
def place_hold(
    *,
    debtor: Debtor,
    type: HoldType,
    reason: str,
    starts_at: datetime,
    actor: Any,
    now: datetime,
    ends_at: datetime | None = None,
    debt: Debt | None = None,
    contact_person: ContactPerson | None = None,
    contact_point: ContactPoint | None = None,
) -> Hold:
    """Pause contact from `starts_at` (until `ends_at`, or until lifted).

    :raises InvalidHold: without a reason, when it ends before it starts, or when the debt or
        contact belongs to another debtor.
    """
    if not reason.strip():
        raise InvalidHold(_("Say why the hold is placed."))
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidHold(_("A hold must end after it starts."))
    for owner_id in (getattr(debt, "debtor_id", None), getattr(contact_person, "debtor_id", None),
                     getattr(contact_point, "debtor_id", None)):  # fmt: skip
        if owner_id is not None and owner_id != debtor.pk:
            raise InvalidHold(_("The debt or contact belongs to another debtor."))
    hold = Hold.objects.create(
        debtor=debtor, type=type.value, reason=reason.strip(), starts_at=starts_at, ends_at=ends_at, debt=debt,
        contact_person=contact_person, contact_point=contact_point,
        set_by=actor if getattr(actor, "pk", None) is not None else None, created_at=now,
    )  # fmt: skip
    record_event(
        actor=actor, action="compliance.place_hold", target=hold, now=now, portfolio_id=debtor.portfolio_id,
        reason=hold.reason, after={"debtor": debtor.external_ref, **_summary(hold)},
    )  # fmt: skip
    return hold


@transaction.atomic
def lift_hold(*, hold_id: int, reason: str, actor: Any, now: datetime) -> Hold:
    """End a hold now; lifting one that has already ended changes nothing.

    :raises PermissionDenied: when the actor may not lift contact restrictions.
    :raises InvalidHold: without a reason.
    """
    if actor is not None and not actor.can(Capability.LIFT_CONTACT_RESTRICTIONS):
        raise PermissionDenied(_("Only a supervisor or compliance officer may lift a hold."))
    if not reason.strip():
        raise InvalidHold(_("Say why the hold is lifted."))
    hold = Hold.objects.select_for_update().select_related("debtor").get(pk=hold_id)
    if hold.ends_at is not None and hold.ends_at <= now:
        return hold
    before = _summary(hold)
    # A hold lifted before it began ends the moment it would have started: it is never open.
    hold.ends_at = max(now, hold.starts_at)
    hold.lifted_by = actor if getattr(actor, "pk", None) is not None else None
    hold.lift_reason = reason.strip()
    hold.save(update_fields=["ends_at", "lifted_by", "lift_reason"])
    record_event(
        actor=actor, action="compliance.lift_hold", target=hold, now=now, portfolio_id=hold.debtor.portfolio_id,
        reason=hold.lift_reason, before=before, after=_summary(hold),
    )  # fmt: skip
    return hold


def hold_label(hold_type: str) -> str:
    return str(HOLD_LABELS[HoldType(hold_type)])
