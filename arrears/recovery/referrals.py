"""Legal referral (法律程序): refer an eligible case, approved by a supervisor and a compliance officer.

Eligibility is `referral_eligibility.check_referral` on facts read here; a case that fails is
refused with every rule that blocks it, and nothing is written. Approval takes two people other
than the one who referred: a supervisor (``supervise_team``) and a compliance officer
(``approve_legal``); eligibility is checked again at each approval. The litigation that follows is
`litigation`; the evidence bundle is `bundles`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from arrears.casework import guards, promises
from arrears.casework.models import Case, Dispute, DisputeStatus
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError, NotFound, PermissionDenied
from arrears.people.roles import Capability
from arrears.people.scoping import scope_to_user
from arrears.portfolio import ledger
from arrears.portfolio.choices import DebtStatus
from arrears.portfolio.models import Payment
from arrears.recovery import policy
from arrears.recovery.models import OPEN_REFERRAL_STATUSES, LegalReferral, ReferralStatus
from arrears.recovery.referral_eligibility import Block, ReferralFacts, check_referral

SUPERVISOR = "supervisor"
COMPLIANCE = "compliance"


class ReferralNotEligible(DomainError):
    """The case may not be referred; ``blocks`` are the rules that block it."""

    def __init__(self, blocks: list[Block]) -> None:
        super().__init__(
            _("This case cannot be referred for legal action: %(why)s.") % {"why": policy.explain(blocks)}
        )
        self.blocks = blocks


class InvalidReferral(DomainError):
    """A referral without a reason, or a decision on a referral that is not waiting for it."""


def referral_facts(*, case: Case, now: datetime, excluding: int | None = None) -> ReferralFacts:
    """Read what the eligibility rules need about ``case`` (``excluding`` a referral being approved)."""
    settings = policy.get_settings(case.portfolio)
    balances = ledger.get_balances(debt_id=case.debt_id)
    last_payment = Payment.objects.filter(debt_id=case.debt_id, reversed_at__isnull=True).aggregate(
        last=Max("received_date")
    )["last"]
    referrals = LegalReferral.objects.filter(case=case, status__in=OPEN_REFERRAL_STATUSES)
    if excluding is not None:
        referrals = referrals.exclude(pk=excluding)
    return ReferralFacts(
        is_verified=case.debt.verified_at is not None, balance=balances.total - balances.overpayment,
        min_balance=settings.legal_min_balance, due_date=case.debt.due_date, last_payment_date=last_payment,
        limitation_years=settings.limitation_years, today=promises.local_today(case, now),
        has_open_dispute=Dispute.objects.filter(case=case, status=DisputeStatus.OPEN).exists(),
        has_open_referral=referrals.exists(), is_written_off=case.debt.status == DebtStatus.WRITTEN_OFF,
    )  # fmt: skip


def check_eligibility(*, case: Case, now: datetime) -> list[Block]:
    """Return the rules that block referring ``case`` now (empty: it may be referred)."""
    return check_referral(referral_facts(case=case, now=now))


@transaction.atomic
def refer_case(
    *, case_id: int, reason: str, actor: Any, now: datetime, expected_revision: int | None = None
) -> LegalReferral:
    """Refer the case for legal action; it waits for a supervisor's and a compliance officer's approval.

    :raises PermissionDenied: when the actor may not refer cases.
    :raises ReferralNotEligible: with every rule that blocks it (nothing is written).
    :raises InvalidReferral: without a reason.
    """
    if not actor.can(Capability.REFER_LEGAL):
        raise PermissionDenied(_("Only a supervisor may refer a case for legal action."))
    case = guards.lock_case(case_id=case_id, expected_revision=expected_revision)
    if not reason.strip():
        raise InvalidReferral(_("Say why the case goes to legal action."))
    blocks = check_eligibility(case=case, now=now)
    if blocks:
        raise ReferralNotEligible(blocks)
    balances = ledger.get_balances(debt_id=case.debt_id)
    referral = LegalReferral.objects.create(
        case=case, status=ReferralStatus.PENDING, balance=balances.total - balances.overpayment,
        currency=case.debt.currency, reason=reason.strip(), referred_by=actor, referred_at=now,
    )  # fmt: skip
    guards.bump(case)
    record_event(
        actor=actor, action="recovery.refer_case", target=referral, now=now, portfolio_id=case.portfolio_id,
        reason=reason.strip(), after={"case": case.pk, "debt": case.debt.external_ref, "balance": referral.balance},
    )  # fmt: skip
    return referral


def _lock_referral(referral_id: int) -> LegalReferral:
    return (
        LegalReferral.objects.select_for_update()
        .select_related("case__debt", "case__portfolio")
        .get(pk=referral_id)
    )


def capacities(*, user: Any, referral: LegalReferral) -> list[str]:
    """Return the approvals ``user`` may still give on ``referral`` (none once they referred or approved it)."""
    if referral.status != ReferralStatus.PENDING or user.pk == referral.referred_by_id:
        return []
    if user.pk in (referral.supervisor_approved_by_id, referral.compliance_approved_by_id):
        return []
    found = []
    if referral.supervisor_approved_by_id is None and user.can(Capability.SUPERVISE_TEAM):
        found.append(SUPERVISOR)
    if referral.compliance_approved_by_id is None and user.can(Capability.APPROVE_LEGAL):
        found.append(COMPLIANCE)
    return found


@transaction.atomic
def approve_referral(
    *, referral_id: int, capacity: str, comment: str = "", actor: Any, now: datetime
) -> LegalReferral:
    """Give the supervisor's or the compliance officer's approval; with both the referral is approved.

    :raises PermissionDenied: when the actor may not approve in that capacity (or referred it, or approved already).
    :raises ReferralNotEligible: when the case is no longer eligible.
    """
    referral = _lock_referral(referral_id)
    if capacity not in capacities(user=actor, referral=referral):
        raise PermissionDenied(
            _("You may not approve this referral as %(capacity)s.") % {"capacity": capacity}
        )
    blocks = check_referral(referral_facts(case=referral.case, now=now, excluding=referral.pk))
    if blocks:
        raise ReferralNotEligible(blocks)
    if capacity == SUPERVISOR:
        referral.supervisor_approved_by, referral.supervisor_approved_at = actor, now
    else:
        referral.compliance_approved_by, referral.compliance_approved_at = actor, now
    if referral.supervisor_approved_by_id and referral.compliance_approved_by_id:
        referral.status = ReferralStatus.APPROVED
    referral.save()
    record_event(
        actor=actor, action="recovery.approve_referral", target=referral, now=now,
        portfolio_id=referral.case.portfolio_id, reason=comment, after={"capacity": capacity, "status": referral.status},
    )  # fmt: skip
    return referral


@transaction.atomic
def reject_referral(*, referral_id: int, comment: str, actor: Any, now: datetime) -> LegalReferral:
    """Reject a referral waiting for approval, or withdraw one not yet filed, with a comment.

    :raises PermissionDenied: when the actor may not decide referrals.
    :raises InvalidReferral: without a comment, or once it is filed with a court.
    """
    referral = _lock_referral(referral_id)
    if not (actor.can(Capability.SUPERVISE_TEAM) or actor.can(Capability.APPROVE_LEGAL)):
        raise PermissionDenied(_("Only a supervisor or a compliance officer may reject a referral."))
    if not comment.strip():
        raise InvalidReferral(_("Say why the referral is rejected."))
    if referral.status not in (ReferralStatus.PENDING, ReferralStatus.APPROVED):
        raise InvalidReferral(_("This referral is %(status)s.") % {"status": referral.get_status_display()})
    before = referral.status
    referral.status = (
        ReferralStatus.REJECTED if before == ReferralStatus.PENDING else ReferralStatus.WITHDRAWN
    )
    referral.decided_by, referral.decision_comment, referral.closed_at = actor, comment.strip(), now
    referral.save()
    record_event(
        actor=actor, action="recovery.reject_referral", target=referral, now=now,
        portfolio_id=referral.case.portfolio_id, reason=comment.strip(), before={"status": before},
        after={"status": referral.status},
    )  # fmt: skip
    return referral


def get_referral(*, user: Any, referral_id: int) -> LegalReferral:
    """Return one referral in a portfolio ``user`` may see.

    :raises NotFound: when it does not exist or is out of the user's scope.
    """
    found = scope_to_user(LegalReferral.objects.select_related("case__debt", "case__debtor", "case__portfolio"),
                          user, portfolio_field="case__portfolio")  # fmt: skip
    try:
        return found.get(pk=referral_id)
    except LegalReferral.DoesNotExist:
        raise NotFound(_("No such legal referral.")) from None


def list_referrals(*, user: Any, status: str | None = None, limit: int = 500) -> list[LegalReferral]:
    """Return the referrals in the user's portfolios (of one ``status`` when given), oldest first."""
    found = scope_to_user(
        LegalReferral.objects.select_related("case"), user, portfolio_field="case__portfolio"
    )
    if status:
        found = found.filter(status=status)
    return list(found.order_by("referred_at", "pk")[:limit])
