"""Litigation after an approved referral: filing, hearings, judgment (costs to the ledger), enforcement, closing.

The moves a referral may make are in one table; anything else is refused. Court costs awarded
with the judgment are charged to the debt as a ``fee`` ledger entry, once (keyed by the referral).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError, PermissionDenied
from arrears.core.money import has_valid_scale
from arrears.people.roles import Capability
from arrears.portfolio.choices import Component, EntryKind, EntrySource
from arrears.portfolio.models import LedgerEntry
from arrears.recovery.models import Hearing, LegalReferral, ReferralStatus

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    ReferralStatus.APPROVED: frozenset({ReferralStatus.FILED, ReferralStatus.CLOSED}),
    ReferralStatus.FILED: frozenset({ReferralStatus.JUDGMENT, ReferralStatus.CLOSED}),
    ReferralStatus.JUDGMENT: frozenset({ReferralStatus.ENFORCEMENT, ReferralStatus.CLOSED}),
    ReferralStatus.ENFORCEMENT: frozenset({ReferralStatus.CLOSED}),
}


class InvalidLitigationStep(DomainError):
    """A step the referral's status does not allow, or missing or invalid details."""


def _lock(referral_id: int, actor: Any) -> LegalReferral:
    if not actor.can(Capability.REFER_LEGAL):
        raise PermissionDenied(_("Only a supervisor may record the litigation."))
    return LegalReferral.objects.select_for_update().select_related("case__debt").get(pk=referral_id)


def _move(referral: LegalReferral, to: str) -> str:
    before = referral.status
    if to not in ALLOWED_TRANSITIONS.get(before, frozenset()):
        raise InvalidLitigationStep(
            _("The referral is %(status)s; it cannot move to %(to)s.")
            % {"status": referral.get_status_display(), "to": ReferralStatus(to).label}
        )
    referral.status = to
    return before


def _event(
    referral: LegalReferral, action: str, actor: Any, now: datetime, before: str, **after: Any
) -> None:
    record_event(
        actor=actor, action=f"recovery.{action}", target=referral, now=now, portfolio_id=referral.case.portfolio_id,
        before={"status": before}, after={"status": referral.status, **after},
    )  # fmt: skip


@transaction.atomic
def record_filing(
    *,
    referral_id: int,
    firm: str,
    court: str,
    court_case_number: str,
    filed_on: date,
    actor: Any,
    now: datetime,
) -> LegalReferral:
    """Record that the firm filed the claim with the court under a case number.

    :raises InvalidLitigationStep: unless the referral is approved and every detail is given.
    """
    referral = _lock(referral_id, actor)
    if not (firm.strip() and court.strip() and court_case_number.strip()):
        raise InvalidLitigationStep(_("Enter the law firm, the court and the court's case number."))
    before = _move(referral, ReferralStatus.FILED)
    referral.firm, referral.court = firm.strip(), court.strip()
    referral.court_case_number, referral.filed_on = court_case_number.strip(), filed_on
    referral.save()
    _event(referral, "record_filing", actor, now, before, firm=referral.firm, court=referral.court,
           court_case_number=referral.court_case_number, filed_on=filed_on.isoformat())  # fmt: skip
    return referral


@transaction.atomic
def add_hearing(*, referral_id: int, held_at: datetime, note: str, actor: Any, now: datetime) -> Hearing:
    """Record a hearing of a filed referral.

    :raises InvalidLitigationStep: unless the claim is filed (and not closed).
    """
    referral = _lock(referral_id, actor)
    if referral.status not in (ReferralStatus.FILED, ReferralStatus.JUDGMENT, ReferralStatus.ENFORCEMENT):
        raise InvalidLitigationStep(_("Hearings are recorded once the claim is filed."))
    hearing = Hearing.objects.create(referral=referral, held_at=held_at, note=note.strip(), recorded_by=actor,
                                     created_at=now)  # fmt: skip
    _event(referral, "add_hearing", actor, now, referral.status, held_at=held_at, note=note.strip())
    return hearing


@transaction.atomic
def record_judgment(
    *, referral_id: int, judgment_on: date, amount: Decimal, costs: Decimal, actor: Any, now: datetime
) -> LegalReferral:
    """Record the judgment; the costs awarded are charged to the debt as a fee, once.

    :raises InvalidLitigationStep: unless the claim is filed, or for amounts that are negative or too precise.
    """
    referral = _lock(referral_id, actor)
    currency = referral.currency
    if (
        amount < 0
        or costs < 0
        or not has_valid_scale(amount, currency)
        or not has_valid_scale(costs, currency)
    ):
        raise InvalidLitigationStep(
            _("Enter the amount awarded and the costs as amounts in %(currency)s.") % {"currency": currency}
        )
    before = _move(referral, ReferralStatus.JUDGMENT)
    referral.judgment_on, referral.judgment_amount, referral.costs_awarded = judgment_on, amount, costs
    referral.save()
    if costs > 0:
        LedgerEntry.objects.get_or_create(
            debt=referral.case.debt, idempotency_key=f"judgment-costs:{referral.pk}",
            defaults={"kind": EntryKind.FEE, "component": Component.FEE, "amount": costs, "effective_date": judgment_on,
                      "posted_at": now, "source": EntrySource.COLLECTOR,
                      "note": _("Court costs, case %(number)s") % {"number": referral.court_case_number}},
        )  # fmt: skip
    _event(referral, "record_judgment", actor, now, before, judgment_on=judgment_on.isoformat(), amount=amount,
           costs=costs)  # fmt: skip
    return referral


@transaction.atomic
def record_enforcement(*, referral_id: int, note: str, actor: Any, now: datetime) -> LegalReferral:
    """Record that enforcement (强制执行) of the judgment has begun, with what was done.

    :raises InvalidLitigationStep: unless a judgment is recorded, or without a note.
    """
    referral = _lock(referral_id, actor)
    if not note.strip():
        raise InvalidLitigationStep(_("Say what enforcement was applied for."))
    before = _move(referral, ReferralStatus.ENFORCEMENT)
    referral.enforcement_note = note.strip()
    referral.save()
    _event(referral, "record_enforcement", actor, now, before, note=referral.enforcement_note)
    return referral


@transaction.atomic
def close_referral(*, referral_id: int, note: str, actor: Any, now: datetime) -> LegalReferral:
    """Close the litigation with a note (paid, enforced, abandoned …).

    :raises InvalidLitigationStep: without a note or when the referral is not in litigation.
    """
    referral = _lock(referral_id, actor)
    if not note.strip():
        raise InvalidLitigationStep(_("Say how the litigation ended."))
    before = _move(referral, ReferralStatus.CLOSED)
    referral.decision_comment, referral.closed_at = note.strip(), now
    referral.save()
    _event(referral, "close_referral", actor, now, before, note=note.strip())
    return referral
