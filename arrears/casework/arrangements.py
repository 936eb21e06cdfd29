"""Arrangements (还款安排, seed 中期 5): quote, propose, approve, reject and cancel them.

Kinds and what each repays (the *balance* is what the debt owes now, all components, less any overpayment):

- instalments — equal instalment (等额本息) or equal principal (等额本金) from `calculator.quote_plan`, or a
  custom list of (date, amount) that must add up to the amount arranged;
- deferral — one payment of the whole amount on a new due date;
- settlement — one lump sum on a date, the rest forgiven as a discount;
- waiver — penalty and/or interest forgiven now, nothing scheduled.

Every kind may also waive penalty and interest (at most what the debt owes of each). The plan must
repay the balance it covers: amount arranged = balance − waived penalty − waived interest
(− discount for a settlement), and the schedule's principal parts add up to the amount arranged.

Authority: a plan running longer than ``user.max_plan_months`` (instalments: their number; a
deferral, settlement or custom plan: the months from today to its last date), or waiving more than
``user.max_waiver_amount`` in all (waivers + discount), needs a supervisor's approval; the
arrangement waits as PENDING_APPROVAL and the proposer's team supervisor (or else every supervisor of
the portfolio) is notified. Within authority it is ACTIVE at once. An approver needs a supervisor's
or administrator's role, the portfolio, and limits of their own that cover the arrangement; they
cannot approve what they proposed.

Activation writes nothing new to the schedule (``ArrangementInstalment`` rows are written with the
proposal, so an approver sees exactly what was proposed; rows of an arrangement that is not ACTIVE
are only its terms), posts each waiver and the settlement discount to the ledger
(`portfolio.waivers.post_waiver`, kind ``waiver``), and a waiver-only arrangement is COMPLETED at
once. At most one arrangement per case is open (pending or active; a database constraint).

How it pauses the strategy: the daily cycle reads "has an active arrangement" as a case fact
(``has_arrangement``; `has_active_arrangement` answers it for one case), so a strategy pauses its
dunning while the arrangement holds (the default strategy's arrangement segment plans no collection
contact). `casework.arrangement_tracking` breaks an arrangement whose instalment is uncovered after its
grace days, and completes one paid in full; a cancelled, rejected, completed or broken one no longer counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.functional import Promise as StrOrPromise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from arrears.casework import calculator, guards, notifications
from arrears.casework.models import (
    Arrangement,
    ArrangementInstalment,
    ArrangementKind,
    ArrangementStatus,
    Case,
)
from arrears.compliance import decisions
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError, NotFound, PermissionDenied
from arrears.core.money import has_valid_scale
from arrears.people.models import User
from arrears.people.roles import Capability, Role
from arrears.people.scoping import granted_portfolio_ids, scope_to_user
from arrears.portfolio import ledger, waivers
from arrears.portfolio.choices import Component
from arrears.portfolio.schedule import add_months

CUSTOM = "custom"
METHODS = (calculator.Method.EQUAL_INSTALMENT.value, calculator.Method.EQUAL_PRINCIPAL.value, CUSTOM)
METHOD_LABELS: dict[str, StrOrPromise] = {
    calculator.Method.EQUAL_INSTALMENT.value: gettext_lazy("Equal instalment (等额本息)"),
    calculator.Method.EQUAL_PRINCIPAL.value: gettext_lazy("Equal principal (等额本金)"),
    CUSTOM: gettext_lazy("Custom dates and amounts"),
}
OPEN_STATUSES = (ArrangementStatus.PENDING_APPROVAL, ArrangementStatus.ACTIVE)
# The order a settlement discount is forgiven in, after the explicit waivers.
DISCOUNT_ORDER = (Component.PENALTY, Component.FEE, Component.INTEREST, Component.PRINCIPAL)
ZERO = Decimal("0.00")


class InvalidArrangement(DomainError):
    """Terms that cannot be arranged: ``field`` names the input at fault."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class ArrangementAlreadyOpen(InvalidArrangement):
    """The case already has a pending or active arrangement."""


class ArrangementNotOpen(DomainError):
    """The arrangement was already decided, cancelled or completed."""


class ApproverLacksAuthority(PermissionDenied):
    """The user may not decide this arrangement (role, own proposal, or own limits too low)."""


@dataclass(frozen=True)
class Terms:
    """What a collector proposes. ``due_date`` is a deferral's new due date or a settlement's date."""

    kind: str
    method: str = ""
    amount: Decimal | None = None
    months: int = 0
    annual_rate: Decimal = Decimal("0")
    first_due: date | None = None
    due_date: date | None = None
    discount: Decimal = ZERO
    waived_penalty: Decimal = ZERO
    waived_interest: Decimal = ZERO
    custom: tuple[tuple[date, Decimal], ...] = ()


@dataclass(frozen=True)
class Quote:
    """An arrangement worked out on ``today``: its schedule, totals and what it forgives."""

    kind: str
    method: str
    currency: str
    today: date
    balance: Decimal
    penalty_owed: Decimal
    interest_owed: Decimal
    amount: Decimal
    annual_rate: Decimal
    months: int
    first_due: date | None
    discount: Decimal
    waived_penalty: Decimal
    waived_interest: Decimal
    instalments: tuple[calculator.QuotedInstalment, ...]
    total_payment: Decimal
    total_interest: Decimal

    @property
    def waived_total(self) -> Decimal:
        """Return everything forgiven: waived penalty and interest and the settlement discount."""
        return self.waived_penalty + self.waived_interest + self.discount


@dataclass(frozen=True)
class Authority:
    """Whether a user may agree a quote alone; ``exceeded`` says which limit each breach is over."""

    exceeded: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_within(self) -> bool:
        return not self.exceeded


def today_for(case: Case, now: datetime) -> date:
    """Return the business date of ``now`` where the case's portfolio works."""
    return now.astimezone(ZoneInfo(case.portfolio.time_zone)).date()


def quote_arrangement(*, case: Case, terms: Terms, now: datetime) -> Quote:
    """Work out ``terms`` on the case's balance now, writing nothing.

    :raises InvalidArrangement: for an unknown kind or method, a date in the past, an amount that
        does not repay the balance, a waiver above what is owed, or a plan the calculator refuses.
    """
    today = today_for(case, now)
    currency = case.debt.currency
    balances = ledger.get_balances(debt_id=case.debt_id)
    balance = max(balances.total - balances.overpayment, ZERO)
    penalty_owed = balances.components.get(Component.PENALTY, ZERO)
    interest_owed = balances.components.get(Component.INTEREST, ZERO)
    if terms.kind not in ArrangementKind.values:
        raise InvalidArrangement(_("Choose a kind of arrangement."), field="kind")
    if balance <= 0:
        raise InvalidArrangement(_("This debt owes nothing; there is nothing to arrange."), field="amount")
    for name, value in (
        ("discount", terms.discount),
        ("waived_penalty", terms.waived_penalty),
        ("waived_interest", terms.waived_interest),
    ):
        _check_amount(value, currency, name, allow_zero=True)
    _check_waivers(terms, penalty_owed, interest_owed, currency)
    if terms.kind != ArrangementKind.SETTLEMENT and terms.discount:
        raise InvalidArrangement(_("Only a settlement has a discount."), field="discount")
    covered = balance - terms.waived_penalty - terms.waived_interest - terms.discount
    base: dict[str, Any] = {
        "kind": terms.kind, "currency": currency, "today": today, "balance": balance,
        "penalty_owed": penalty_owed, "interest_owed": interest_owed, "discount": terms.discount,
        "waived_penalty": terms.waived_penalty, "waived_interest": terms.waived_interest,
    }  # fmt: skip
    if terms.kind == ArrangementKind.WAIVER:
        if not terms.waived_penalty and not terms.waived_interest:
            raise InvalidArrangement(_("Enter the penalty or interest to waive."), field="waived_penalty")
        return Quote(
            **base, method="", amount=covered, annual_rate=ZERO, months=0, first_due=None,
            instalments=(), total_payment=ZERO, total_interest=ZERO,
        )  # fmt: skip
    amount = covered if terms.amount is None else terms.amount
    _check_amount(amount, currency, "amount", allow_zero=False)
    _check_repays(terms, amount, covered, balance, currency)
    if terms.kind == ArrangementKind.INSTALMENTS:
        return _instalments(terms, amount, today, base)
    due = _required_date(
        terms.due_date, today, "due_date", strictly_after=terms.kind == ArrangementKind.DEFERRAL
    )
    if months_until(today, due) > calculator.MAX_MONTHS:
        raise InvalidArrangement(
            _("%(field)s: %(date)s is more than %(maximum)d months away.")
            % {"field": "due_date", "date": due.isoformat(), "maximum": calculator.MAX_MONTHS},
            field="due_date",
        )
    only = calculator.QuotedInstalment(
        number=1, due_date=due, payment=amount, principal=amount, interest=ZERO, balance=ZERO
    )
    return Quote(
        **base, method="", amount=amount, annual_rate=ZERO, months=months_until(today, due), first_due=due,
        instalments=(only,), total_payment=amount, total_interest=ZERO,
    )  # fmt: skip


def months_until(today: date, last: date) -> int:
    """Return the number of months from ``today`` that reach ``last`` (a part month counts as one)."""
    months = max((last.year - today.year) * 12 + last.month - today.month, 0)
    return months + 1 if add_months(today, months) < last else months


def check_authority(*, quote: Quote, user: Any) -> Authority:
    """Return which of ``user``'s limits the quote exceeds (none: they may agree it alone)."""
    exceeded = []
    max_months = int(getattr(user, "max_plan_months", 0) or 0)
    max_waiver = Decimal(getattr(user, "max_waiver_amount", ZERO) or ZERO)
    if quote.months > max_months:
        exceeded.append(
            _("The plan runs %(months)d months; the limit is %(limit)d.")
            % {"months": quote.months, "limit": max_months}
        )
    if quote.waived_total > max_waiver:
        exceeded.append(
            _(
                "It forgives %(amount)s %(currency)s (waivers and discount); the limit is %(limit)s %(currency)s."
            )
            % {"amount": quote.waived_total, "currency": quote.currency, "limit": max_waiver}
        )
    return Authority(tuple(exceeded))


@transaction.atomic
def propose_arrangement(
    *, case_id: int, terms: Terms, reason: str = "", actor: Any, now: datetime,
    expected_revision: int | None, request_key: str | None, source: str = "desk",
) -> Arrangement:  # fmt: skip
    """Propose an arrangement on the case; within the actor's authority it is active at once.

    :raises StaleCase: when the page's revision is older than the case's.
    :raises ArrangementAlreadyOpen: while another arrangement of the case is pending or active.
    :raises InvalidArrangement: see `quote_arrangement`.
    :raises NoteBlocked: when the reason has forbidden wording.
    """
    case = guards.lock_case(case_id=case_id, expected_revision=None)
    earlier = guards.already_done(Arrangement, request_key, case=case)
    if earlier is not None:
        return earlier
    case = guards.lock_case(case_id=case_id, expected_revision=expected_revision)
    if Arrangement.objects.filter(case=case, status__in=OPEN_STATUSES).exists():
        raise _already_open()
    if reason.strip():
        decisions.check_note(debtor=case.debtor, note=reason, debts=[case.debt])
    quote = quote_arrangement(case=case, terms=terms, now=now)
    authority = check_authority(quote=quote, user=actor)
    status = ArrangementStatus.ACTIVE if authority.is_within else ArrangementStatus.PENDING_APPROVAL
    arrangement = _create(case, quote, status, reason, actor, now, request_key, source)
    if authority.is_within:
        _activate(arrangement, case, actor, now)
    else:
        _notify_approvers(arrangement, case, actor, now)
    guards.bump(case)
    record_event(
        actor=actor, action="casework.propose_arrangement", target=arrangement, now=now,
        portfolio_id=case.portfolio_id, reason=reason,
        after={**_summary(arrangement), "exceeded": list(authority.exceeded)},
    )  # fmt: skip
    return arrangement


@transaction.atomic
def approve_arrangement(
    *, arrangement_id: int, comment: str = "", actor: Any, now: datetime,
    expected_revision: int | None, request_key: str | None = None,
) -> Arrangement:  # fmt: skip
    """Approve a pending arrangement: it becomes active, its waivers are posted, the proposer is notified.

    :raises NotFound: when the arrangement is not in a portfolio of the actor's.
    :raises ApproverLacksAuthority: when the actor is no supervisor, proposed it, or has lower limits.
    :raises ArrangementNotOpen: when it was decided already (by someone else).
    :raises InvalidArrangement: when the balance changed since the proposal.
    :raises StaleCase: when the page's revision is older than the case's.
    """
    arrangement, case = _lock_for_decision(arrangement_id, actor, expected_revision)
    if arrangement.status != ArrangementStatus.PENDING_APPROVAL:
        if arrangement.decided_by_id == actor.pk and arrangement.status in (
            ArrangementStatus.ACTIVE, ArrangementStatus.COMPLETED
        ):  # fmt: skip
            return arrangement
        raise _not_open(arrangement)
    guards.lock_case(case_id=case.pk, expected_revision=expected_revision)
    quote = _requote(arrangement, case, now)
    authority = check_authority(quote=quote, user=actor)
    if not authority.is_within:
        raise ApproverLacksAuthority(
            _("This is beyond your own authority too: %(why)s") % {"why": " ".join(authority.exceeded)}
        )
    arrangement.status = ArrangementStatus.ACTIVE
    _decide(arrangement, actor, now, comment)
    _activate(arrangement, case, actor, now)
    notifications.notify(
        [arrangement.proposed_by],
        _("Your arrangement on debt %(ref)s was approved by %(user)s.")
        % {"ref": case.debt.external_ref, "user": actor.get_username()},
        case=case, now=now,
    )  # fmt: skip
    guards.bump(case)
    record_event(
        actor=actor, action="casework.approve_arrangement", target=arrangement, now=now,
        portfolio_id=case.portfolio_id, reason=comment, after=_summary(arrangement),
    )  # fmt: skip
    return arrangement


@transaction.atomic
def reject_arrangement(
    *, arrangement_id: int, comment: str, actor: Any, now: datetime,
    expected_revision: int | None, request_key: str | None = None,
) -> Arrangement:  # fmt: skip
    """Reject a pending arrangement with a comment; the proposer is notified.

    :raises InvalidArrangement: when the comment is empty.
    :raises NotFound, ApproverLacksAuthority, ArrangementNotOpen, StaleCase: as `approve_arrangement`.
    """
    arrangement, case = _lock_for_decision(arrangement_id, actor, expected_revision)
    if arrangement.status != ArrangementStatus.PENDING_APPROVAL:
        if arrangement.decided_by_id == actor.pk and arrangement.status == ArrangementStatus.REJECTED:
            return arrangement
        raise _not_open(arrangement)
    guards.lock_case(case_id=case.pk, expected_revision=expected_revision)
    if not comment.strip():
        raise InvalidArrangement(_("Say why the arrangement is rejected."), field="comment")
    arrangement.status = ArrangementStatus.REJECTED
    _decide(arrangement, actor, now, comment.strip())
    notifications.notify(
        [arrangement.proposed_by],
        _("Your arrangement on debt %(ref)s was rejected by %(user)s: %(comment)s")
        % {"ref": case.debt.external_ref, "user": actor.get_username(), "comment": comment.strip()},
        case=case, now=now,
    )  # fmt: skip
    guards.bump(case)
    record_event(
        actor=actor, action="casework.reject_arrangement", target=arrangement, now=now,
        portfolio_id=case.portfolio_id, reason=comment, after=_summary(arrangement),
    )  # fmt: skip
    return arrangement


@transaction.atomic
def cancel_arrangement(
    *, arrangement_id: int, reason: str = "", actor: Any, now: datetime,
    expected_revision: int | None, request_key: str | None = None,
) -> Arrangement:  # fmt: skip
    """Cancel an open arrangement: its proposer or a supervisor may. Waivers already posted stay posted.

    :raises NotFound: when the arrangement is not in a portfolio of the actor's.
    :raises PermissionDenied: when the actor neither proposed it nor is a supervisor.
    :raises ArrangementNotOpen: when it is no longer pending or active.
    :raises StaleCase: when the page's revision is older than the case's.
    """
    arrangement = get_arrangement(user=actor, arrangement_id=arrangement_id)
    case = guards.lock_case(case_id=arrangement.case_id, expected_revision=None)
    arrangement = Arrangement.objects.select_for_update().get(pk=arrangement.pk)
    if arrangement.status == ArrangementStatus.CANCELLED:
        return arrangement
    if arrangement.proposed_by_id != actor.pk and not may_approve(actor):
        raise PermissionDenied(_("Only the proposer or a supervisor may cancel this arrangement."))
    if arrangement.status not in OPEN_STATUSES:
        raise _not_open(arrangement)
    guards.lock_case(case_id=case.pk, expected_revision=expected_revision)
    arrangement.status = ArrangementStatus.CANCELLED
    arrangement.save(update_fields=["status"])
    guards.bump(case)
    record_event(
        actor=actor, action="casework.cancel_arrangement", target=arrangement, now=now,
        portfolio_id=case.portfolio_id, reason=reason, after=_summary(arrangement),
    )  # fmt: skip
    return arrangement


def may_approve(user: Any) -> bool:
    """Return whether ``user`` may decide arrangements (those who supervise a team: supervisors, administrators)."""
    return bool(getattr(user, "is_superuser", False)) or bool(
        user.is_authenticated and user.can(Capability.SUPERVISE_TEAM)
    )


def get_arrangement(*, user: Any, arrangement_id: int) -> Arrangement:
    """Return one arrangement in a portfolio of ``user``'s.

    :raises NotFound: when there is none such.
    """
    try:
        return _scoped(user).get(pk=arrangement_id)
    except Arrangement.DoesNotExist:
        raise NotFound(_("No such arrangement.")) from None


def list_arrangements(*, case: Case) -> list[Arrangement]:
    """Return the case's arrangements, newest first, with their schedules."""
    return list(
        case.arrangements.select_related("proposed_by", "decided_by")
        .prefetch_related("instalments")
        .order_by("-proposed_at", "-pk")
    )


def get_open_arrangement(*, case: Case) -> Arrangement | None:
    """Return the case's pending or active arrangement, if any."""
    return (
        case.arrangements.filter(status__in=OPEN_STATUSES)
        .select_related("proposed_by")
        .prefetch_related("instalments")
        .order_by("-pk")
        .first()
    )


def has_active_arrangement(*, case_id: int) -> bool:
    """Return whether the case has an active arrangement (the case fact the daily cycle reads)."""
    return Arrangement.objects.filter(case_id=case_id, status=ArrangementStatus.ACTIVE).exists()


@dataclass(frozen=True)
class PendingApproval:
    """A pending arrangement on the approvals page, with why it needs approval."""

    arrangement: Arrangement
    exceeded: tuple[str, ...]
    may_decide: bool
    method_label: str


def list_pending_approvals(*, user: Any) -> list[PendingApproval]:
    """Return the pending arrangements of ``user``'s portfolios, oldest first, with the limits they exceed."""
    rows = (
        _scoped(user)
        .filter(status=ArrangementStatus.PENDING_APPROVAL)
        .select_related("case__debt", "case__debtor", "proposed_by")
        .prefetch_related("instalments")
        .order_by("proposed_at", "pk")
    )
    return [
        PendingApproval(
            arrangement=row,
            exceeded=check_authority(quote=_stored_quote(row), user=row.proposed_by).exceeded,
            may_decide=row.proposed_by_id != user.pk
            and check_authority(quote=_stored_quote(row), user=user).is_within,
            method_label=str(METHOD_LABELS.get(row.method, row.method)),
        )
        for row in rows
    ]


def _scoped(user: Any) -> QuerySet[Arrangement]:
    return scope_to_user(
        Arrangement.objects.select_related("case__debt", "case__portfolio"),
        user,
        portfolio_field="case__portfolio",
    )


def _check_amount(value: Decimal, currency: str, name: str, *, allow_zero: bool) -> None:
    if value < 0 or (value == 0 and not allow_zero) or not has_valid_scale(value, currency):
        raise InvalidArrangement(
            _("%(field)s: %(value)s is not a valid amount in %(currency)s.")
            % {"field": name, "value": value, "currency": currency},
            field=name,
        )


def _check_waivers(terms: Terms, penalty_owed: Decimal, interest_owed: Decimal, currency: str) -> None:
    for name, waived, owed, what in (
        ("waived_penalty", terms.waived_penalty, penalty_owed, _("penalty")),
        ("waived_interest", terms.waived_interest, interest_owed, _("interest")),
    ):
        if waived > owed:
            raise InvalidArrangement(
                _(
                    "%(field)s: %(amount)s %(currency)s is more than the %(what)s owed (%(owed)s %(currency)s)."
                )
                % {"field": name, "amount": waived, "currency": currency, "what": what, "owed": owed},
                field=name,
            )


def _check_repays(terms: Terms, amount: Decimal, covered: Decimal, balance: Decimal, currency: str) -> None:
    if amount == covered:
        return
    params = {
        "amount": amount, "currency": currency, "balance": balance, "covered": covered,
        "waived": terms.waived_penalty + terms.waived_interest, "discount": terms.discount,
    }  # fmt: skip
    if terms.kind == ArrangementKind.SETTLEMENT:
        message = _(
            "amount: %(amount)s %(currency)s plus the discount %(discount)s and waivers %(waived)s does not make the balance %(balance)s %(currency)s; the settlement must be %(covered)s."
        )
    else:
        message = _(
            "amount: %(amount)s %(currency)s does not repay the balance %(balance)s %(currency)s less waivers %(waived)s; the plan must repay %(covered)s."
        )
    raise InvalidArrangement(message % params, field="amount")


def _required_date(value: date | None, today: date, name: str, *, strictly_after: bool = False) -> date:
    if value is None:
        raise InvalidArrangement(_("%(field)s: enter a date.") % {"field": name}, field=name)
    if value < today or (strictly_after and value == today):
        raise InvalidArrangement(
            _("%(field)s: %(date)s is in the past (today is %(today)s).")
            % {"field": name, "date": value.isoformat(), "today": today.isoformat()},
            field=name,
        )
    return value


def _instalments(terms: Terms, amount: Decimal, today: date, base: dict[str, Any]) -> Quote:
    if terms.method not in METHODS:
        raise InvalidArrangement(
            _("method: choose equal instalment, equal principal or custom, not “%(value)s”.")
            % {"value": terms.method},
            field="method",
        )
    if terms.method == CUSTOM:
        items = _custom(terms, amount, today, base["currency"])
        return Quote(
            **base, method=CUSTOM, amount=amount, annual_rate=ZERO, months=months_until(today, items[-1].due_date),
            first_due=items[0].due_date, instalments=items, total_payment=amount, total_interest=ZERO,
        )  # fmt: skip
    first_due = _required_date(terms.first_due or calculator.default_first_due(today), today, "first_due")
    try:
        plan = calculator.quote_plan(
            principal=amount, annual_rate_percent=terms.annual_rate, months=terms.months, method=terms.method,
            first_due=first_due, currency=base["currency"],
        )  # fmt: skip
    except calculator.InvalidPlan as exc:
        raise InvalidArrangement(exc.describe(_, exc.field), field=exc.field) from None
    return Quote(
        **base, method=terms.method, amount=amount, annual_rate=terms.annual_rate, months=terms.months,
        first_due=first_due, instalments=plan.instalments, total_payment=plan.total_payment,
        total_interest=plan.total_interest,
    )  # fmt: skip


def _custom(
    terms: Terms, amount: Decimal, today: date, currency: str
) -> tuple[calculator.QuotedInstalment, ...]:
    if not terms.custom:
        raise InvalidArrangement(_("custom: enter each payment as a date and an amount."), field="custom")
    if len(terms.custom) > calculator.MAX_MONTHS:
        raise InvalidArrangement(
            _("custom: at most %(maximum)d payments.") % {"maximum": calculator.MAX_MONTHS}, field="custom"
        )
    previous: date | None = None
    remaining, items = amount, []
    for number, (due, part) in enumerate(terms.custom, start=1):
        _required_date(due, today, "custom")
        _check_amount(part, currency, "custom", allow_zero=False)
        if previous is not None and due <= previous:
            raise InvalidArrangement(
                _("custom: the dates must follow one another; %(date)s does not.")
                % {"date": due.isoformat()},
                field="custom",
            )
        previous, remaining = due, remaining - part
        items.append(calculator.QuotedInstalment(number, due, part, part, ZERO, remaining))
    total = amount - remaining
    if total != amount:
        raise InvalidArrangement(
            _(
                "custom: the payments add up to %(total)s %(currency)s, not the %(amount)s %(currency)s arranged."
            )
            % {"total": total, "amount": amount, "currency": currency},
            field="custom",
        )
    if months_until(today, items[-1].due_date) > calculator.MAX_MONTHS:
        raise InvalidArrangement(
            _("custom: the last payment is more than %(maximum)d months away.")
            % {"maximum": calculator.MAX_MONTHS},
            field="custom",
        )
    return tuple(items)


def _already_open() -> ArrangementAlreadyOpen:
    return ArrangementAlreadyOpen(
        _("This case already has an arrangement waiting for approval or active; cancel it first."),
        field="kind",
    )


def _not_open(arrangement: Arrangement) -> ArrangementNotOpen:
    return ArrangementNotOpen(
        _("This arrangement is no longer open: it is %(status)s.")
        % {"status": arrangement.get_status_display()}
    )


def _create(
    case: Case, quote: Quote, status: str, reason: str, actor: Any, now: datetime, request_key: str | None,
    source: str,
) -> Arrangement:  # fmt: skip
    try:
        with transaction.atomic():
            arrangement = Arrangement.objects.create(
                case=case, kind=quote.kind, method=quote.method, status=status, currency=quote.currency,
                amount=quote.amount, annual_rate=quote.annual_rate, months=quote.months, first_due=quote.first_due,
                total_payment=quote.total_payment, total_interest=quote.total_interest,
                waived_penalty=quote.waived_penalty, waived_interest=quote.waived_interest, discount=quote.discount,
                reason=reason.strip(), request_key=request_key or None,
                proposed_by=actor if getattr(actor, "pk", None) else None, proposed_at=now, source=source,
            )  # fmt: skip
    except IntegrityError:
        raise _already_open() from None
    ArrangementInstalment.objects.bulk_create(
        ArrangementInstalment(
            arrangement=arrangement,
            number=item.number,
            due_date=item.due_date,
            payment=item.payment,
            principal=item.principal,
            interest=item.interest,
            balance=item.balance,
        )
        for item in quote.instalments
    )
    return arrangement


def _activate(arrangement: Arrangement, case: Case, actor: Any, now: datetime) -> None:
    """Post the arrangement's waivers and discount; a waiver-only arrangement is then completed."""
    today = today_for(case, now)
    balances = ledger.get_balances(debt_id=case.debt_id).components
    parts = {Component.PENALTY: arrangement.waived_penalty, Component.INTEREST: arrangement.waived_interest}
    left = {key: balances.get(key, ZERO) - parts.get(key, ZERO) for key in DISCOUNT_ORDER}
    discount = arrangement.discount
    for component in DISCOUNT_ORDER:
        share = min(discount, max(left[component], ZERO))
        parts[component] = parts.get(component, ZERO) + share
        discount -= share
    reason = _("Arrangement %(id)s (%(kind)s)") % {
        "id": arrangement.pk,
        "kind": arrangement.get_kind_display(),
    }
    for component, amount in parts.items():
        if amount > 0:
            waivers.post_waiver(
                debt=case.debt, component=component, amount=amount, reason=str(reason), actor=actor, now=now,
                effective_date=today, idempotency_key=f"arrangement:{arrangement.pk}:{component}",
            )  # fmt: skip
    if arrangement.kind == ArrangementKind.WAIVER:
        arrangement.status = ArrangementStatus.COMPLETED
        arrangement.save(update_fields=["status"])


def _lock_for_decision(
    arrangement_id: int, actor: Any, expected_revision: int | None
) -> tuple[Arrangement, Case]:
    found = get_arrangement(user=actor, arrangement_id=arrangement_id)
    if not may_approve(actor):
        raise ApproverLacksAuthority(_("Only a supervisor may approve or reject arrangements."))
    case = guards.lock_case(case_id=found.case_id, expected_revision=None)
    arrangement = Arrangement.objects.select_for_update().get(pk=found.pk)
    if arrangement.proposed_by_id == actor.pk and arrangement.status == ArrangementStatus.PENDING_APPROVAL:
        raise ApproverLacksAuthority(_("You proposed this arrangement; another supervisor must decide it."))
    return arrangement, case


def _requote(arrangement: Arrangement, case: Case, now: datetime) -> Quote:
    """Return the stored terms checked against the balance now (a payment may have arrived meanwhile)."""
    balances = ledger.get_balances(debt_id=case.debt_id)
    balance = max(balances.total - balances.overpayment, ZERO)
    quote = _stored_quote(arrangement)
    covered = balance - quote.waived_total
    if quote.kind != ArrangementKind.WAIVER and covered != arrangement.amount:
        raise InvalidArrangement(
            _(
                "The balance changed since the proposal (now %(balance)s %(currency)s); reject it and propose again."
            )
            % {"balance": balance, "currency": arrangement.currency},
            field="amount",
        )
    terms = Terms(kind=ArrangementKind.WAIVER, waived_penalty=arrangement.waived_penalty,
                  waived_interest=arrangement.waived_interest)  # fmt: skip
    owed = balances.components
    try:
        _check_waivers(
            terms, owed.get(Component.PENALTY, ZERO), owed.get(Component.INTEREST, ZERO), case.debt.currency
        )
    except InvalidArrangement as exc:
        raise InvalidArrangement(
            _("The balance changed since the proposal; reject it and propose again. %(why)s") % {"why": exc},
            field=exc.field,
        ) from None
    return quote


def _stored_quote(arrangement: Arrangement) -> Quote:
    """Return an arrangement's stored terms as a quote (for authority checks)."""
    return Quote(
        kind=arrangement.kind, method=arrangement.method, currency=arrangement.currency,
        today=arrangement.proposed_at.date(), balance=arrangement.amount + arrangement.waived_penalty
        + arrangement.waived_interest + arrangement.discount, penalty_owed=ZERO, interest_owed=ZERO,
        amount=arrangement.amount, annual_rate=arrangement.annual_rate, months=arrangement.months,
        first_due=arrangement.first_due, discount=arrangement.discount, waived_penalty=arrangement.waived_penalty,
        waived_interest=arrangement.waived_interest, instalments=(), total_payment=arrangement.total_payment,
        total_interest=arrangement.total_interest,
    )  # fmt: skip


def _decide(arrangement: Arrangement, actor: Any, now: datetime, comment: str) -> None:
    arrangement.decided_by = actor
    arrangement.decided_at = now
    arrangement.decision_comment = comment
    arrangement.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])


def approvers_for(*, case: Case, proposer: Any) -> list[User]:
    """Return who is asked to approve: the proposer's team supervisor, or else every supervisor of the portfolio."""
    proposer_id = getattr(proposer, "pk", None) or 0
    supervisors = User.objects.filter(
        role=Role.SUPERVISOR, is_active=True, portfolios=case.portfolio_id
    ).exclude(pk=proposer_id)
    team_supervisor = getattr(getattr(proposer, "team", None), "supervisor", None)
    if (
        team_supervisor is not None
        and team_supervisor.pk != proposer_id
        and team_supervisor.is_active
        and may_approve(team_supervisor)
        and _sees_portfolio(team_supervisor, case.portfolio_id)
    ):
        return [team_supervisor]
    return list(supervisors.order_by("pk"))


def _sees_portfolio(user: User, portfolio_id: int) -> bool:
    granted = granted_portfolio_ids(user)
    return granted is None or portfolio_id in granted


def _notify_approvers(arrangement: Arrangement, case: Case, actor: Any, now: datetime) -> None:
    text = _("%(user)s asks you to approve an arrangement on debt %(ref)s: %(kind)s, %(amount)s %(currency)s.") % {
        "user": actor.get_username() if getattr(actor, "pk", None) else _("The system"),
        "ref": case.debt.external_ref, "kind": arrangement.get_kind_display(), "amount": arrangement.amount,
        "currency": arrangement.currency,
    }  # fmt: skip
    notifications.notify(approvers_for(case=case, proposer=actor), text, case=case, now=now)


def _summary(arrangement: Arrangement) -> dict[str, Any]:
    return {
        "case": arrangement.case_id, "kind": arrangement.kind, "method": arrangement.method,
        "status": arrangement.status, "amount": arrangement.amount, "currency": arrangement.currency,
        "months": arrangement.months, "discount": arrangement.discount,
        "waived_penalty": arrangement.waived_penalty, "waived_interest": arrangement.waived_interest,
        "total_payment": arrangement.total_payment,
    }  # fmt: skip
