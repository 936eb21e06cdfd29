"""What a debtor does in the portal, through the very actions the desk uses, as the portfolio's portal user.

- a promise: `casework.promises.make_promise` (the promise policy decides), withdrawn with
  `cancel_promise` while it is open;
- a plan: equal instalments without added interest, or a deferral, quoted by
  `casework.arrangements.quote_arrangement` (the desk's calculator) and proposed with
  `propose_arrangement`: within the portal user's authority (the policy's ``accept_months``, no
  waiver) it is active at once, beyond it a supervisor decides, beyond ``max_months`` it is refused;
- a hardship statement: `casework.hardship.assess_hardship` with the debtor's own figures;
- a dispute: `casework.disputes.open_dispute` (documents checked, the debt on hold);
- channels: `portfolio.contacts.record_opt_out` / `withdraw_opt_out`.

Each writes its own audit event naming ``portal-<portfolio code>`` and shows on the case timeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.files.base import File
from django.utils.translation import gettext as _

from arrears.casework import arrangements, disputes, hardship, promises
from arrears.casework.calculator import Method
from arrears.casework.models import (
    Arrangement,
    ArrangementKind,
    Dispute,
    HardshipAssessment,
    Promise,
    Willingness,
)
from arrears.core.errors import NotFound
from arrears.portal import queries
from arrears.portal.actor import get_portal_actor
from arrears.portfolio import contacts
from arrears.portfolio.models import ContactPoint, Debtor
from arrears.usecases.portal_access import get_policy

SOURCE = "portal"
PLAN_KINDS = (ArrangementKind.INSTALMENTS, ArrangementKind.DEFERRAL)


class PlanBeyondPortal(arrangements.InvalidArrangement):
    """A plan longer than the portal may take at all; the debtor must talk to the creditor."""


@dataclass(frozen=True)
class PlanQuote:
    """A plan worked out for the debtor, and whether it would be accepted at once."""

    quote: arrangements.Quote
    accepted_at_once: bool


def _terms(kind: str, months: int, first_due: date | None, due_date: date | None) -> arrangements.Terms:
    if kind == ArrangementKind.DEFERRAL:
        return arrangements.Terms(kind=kind, due_date=due_date)
    if kind == ArrangementKind.INSTALMENTS:
        return arrangements.Terms(
            kind=kind, method=Method.EQUAL_INSTALMENT.value, months=months, first_due=first_due
        )
    raise arrangements.InvalidArrangement(_("Choose instalments or a later due date."), field="kind")


def quote_plan(
    *, debtor: Debtor, case_id: int, kind: str, months: int = 0, first_due: date | None = None,
    due_date: date | None = None, now: datetime,
) -> PlanQuote:  # fmt: skip
    """Work out a plan on one of the debtor's cases and whether the portal user may agree it, writing nothing on the case.

    :raises NotFound: when the case is not the debtor's.
    :raises InvalidArrangement: for terms the desk's calculator refuses.
    :raises PlanBeyondPortal: for a plan longer than the portal's ``max_months``.
    """
    case = queries.get_case(debtor=debtor, case_id=case_id)
    quote = arrangements.quote_arrangement(
        case=case, terms=_terms(kind, months, first_due, due_date), now=now
    )
    policy = get_policy(case.portfolio)
    if quote.months > policy.max_months:
        raise PlanBeyondPortal(
            _(
                "A plan here may run at most %(limit)d months; this one runs %(months)d. "
                "Please contact us to discuss a longer plan."
            )
            % {"limit": policy.max_months, "months": quote.months},
            field="months",
        )
    actor = get_portal_actor(case.portfolio)
    return PlanQuote(quote, arrangements.check_authority(quote=quote, user=actor).is_within)


def propose_plan(
    *, debtor: Debtor, case_id: int, kind: str, months: int = 0, first_due: date | None = None,
    due_date: date | None = None, reason: str = "", now: datetime, request_key: str | None,
) -> Arrangement:  # fmt: skip
    """Propose the plan ``quote_plan`` works out; active at once within the portal's limit, else for approval.

    :raises NotFound: when the case is not the debtor's.
    :raises PlanBeyondPortal: for a plan longer than the portal's ``max_months``.
    :raises InvalidArrangement, ArrangementAlreadyOpen, NoteBlocked: see `arrangements.propose_arrangement`.
    """
    quote_plan(
        debtor=debtor, case_id=case_id, kind=kind, months=months, first_due=first_due, due_date=due_date, now=now
    )  # fmt: skip
    case = queries.get_case(debtor=debtor, case_id=case_id)
    return arrangements.propose_arrangement(
        case_id=case.pk, terms=_terms(kind, months, first_due, due_date), reason=reason,
        actor=get_portal_actor(case.portfolio), now=now, expected_revision=None, request_key=request_key,
        source=SOURCE,
    )  # fmt: skip


def make_promise(
    *, debtor: Debtor, case_id: int, amount: Decimal, due_date: date, now: datetime, request_key: str | None
) -> Promise:
    """Record the debtor's promise to pay on one of their cases.

    :raises NotFound: when the case is not the debtor's.
    :raises InvalidPromise: see `promises.make_promise`.
    """
    case = queries.get_case(debtor=debtor, case_id=case_id)
    return promises.make_promise(
        case_id=case.pk, amount=amount, due_date=due_date, actor=get_portal_actor(case.portfolio), now=now,
        expected_revision=None, request_key=request_key, source=SOURCE,
    )  # fmt: skip


def withdraw_promise(
    *, debtor: Debtor, case_id: int, promise_id: int, now: datetime, request_key: str | None
) -> Promise:
    """Withdraw the debtor's open promise on one of their cases (it is cancelled, not broken).

    :raises NotFound: when the case is not the debtor's or the promise not on it.
    :raises PromiseNotOpen: when the promise was kept, broken or cancelled already.
    """
    case = queries.get_case(debtor=debtor, case_id=case_id)
    if not Promise.objects.filter(pk=promise_id, case_id=case.pk).exists():
        raise NotFound(_("No such promise."))
    return promises.cancel_promise(
        promise_id=promise_id, actor=get_portal_actor(case.portfolio), now=now, expected_revision=None,
        request_key=request_key, reason=_("Withdrawn by the debtor in the portal."),
    )  # fmt: skip


def state_hardship(
    *, debtor: Debtor, case_id: int, cause: str, since: date, expected_months: int, monthly_income: Decimal,
    monthly_expenses: Decimal, other_debt_payments: Decimal, dependants: int, notes: str, now: datetime,
    request_key: str | None,
) -> HardshipAssessment:  # fmt: skip
    """Record the debtor's own hardship statement as an assessment (they come forward: willing to pay).

    :raises NotFound: when the case is not the debtor's.
    :raises InvalidAssessment, NoteBlocked: see `hardship.assess_hardship`.
    """
    case = queries.get_case(debtor=debtor, case_id=case_id)
    return hardship.assess_hardship(
        case_id=case.pk, cause=cause, since=since, expected_months=expected_months, monthly_income=monthly_income,
        monthly_expenses=monthly_expenses, other_debt_payments=other_debt_payments, assets=Decimal("0.00"),
        dependants=dependants, willingness=Willingness.WILLING, notes=notes,
        actor=get_portal_actor(case.portfolio), now=now, expected_revision=None, request_key=request_key,
    )  # fmt: skip


def open_dispute(
    *, debtor: Debtor, case_id: int, reason: str, description: str, documents: Sequence[File[Any]],
    now: datetime, request_key: str | None,
) -> Dispute:  # fmt: skip
    """Record the debtor's dispute with their documents; the debt goes on hold while it is verified.

    :raises NotFound: when the case is not the debtor's.
    :raises InvalidDispute, InvalidDocument, NoteBlocked: see `disputes.open_dispute`.
    """
    case = queries.get_case(debtor=debtor, case_id=case_id)
    return disputes.open_dispute(
        case=case, reason=reason, description=description, documents=documents,
        actor=get_portal_actor(case.portfolio), now=now, expected_revision=None, request_key=request_key,
        source=SOURCE,
    )  # fmt: skip


def set_channel(*, debtor: Debtor, point_id: int, channel: str, allowed: bool, now: datetime) -> ContactPoint:
    """Allow or stop one channel on one of the debtor's contact points.

    :raises NotFound: when the contact point is not the debtor's.
    :raises ChannelNotOnPoint: when the channel does not belong to the point's kind.
    """
    point = queries.get_contact_point(debtor=debtor, point_id=point_id)
    actor = get_portal_actor(debtor.portfolio)
    if allowed:
        return contacts.withdraw_opt_out(
            point_id=point.pk,
            channel=channel,
            actor=actor,
            now=now,
            reason=_("Asked for in the debtor portal"),
        )
    return contacts.record_opt_out(
        point_id=point.pk, channel=channel, actor=actor, now=now, reason=_("Asked for in the debtor portal")
    )
