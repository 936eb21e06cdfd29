"""Read the ledger: balances by component, days past due and bucket, as of any date."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum

from arrears.core.money import exact_sum
from arrears.portfolio import aging, schedule
from arrears.portfolio.choices import Component
from arrears.portfolio.models import Debt, Instalment, LedgerEntry
from arrears.portfolio.schedule import ScheduledInstalment

OWED_COMPONENTS: tuple[str, ...] = (Component.PRINCIPAL, Component.INTEREST, Component.PENALTY, Component.FEE)
SCHEDULED_COMPONENTS: tuple[str, ...] = (Component.PRINCIPAL, Component.INTEREST)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Balances:
    """What a debt owes by component, and any money held as overpayment."""

    currency: str
    components: dict[str, Decimal]
    overpayment: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        """Return the sum owed across components (before any overpayment credit)."""
        return sum(self.components.values(), ZERO)


@dataclass(frozen=True)
class DebtPosition:
    """A debt's balances, days past due and aging bucket on one date."""

    debt_id: int
    as_of: date
    balances: Balances
    days_past_due: int
    bucket: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "bucket", aging.bucket_for(self.days_past_due))


def get_balances(*, debt_id: int, as_of: date | None = None) -> Balances:
    """Return the balances of one debt from its ledger entries effective by ``as_of`` (all if ``None``).

    :raises Debt.DoesNotExist: when there is no such debt.
    """
    debt = Debt.objects.only("currency").get(pk=debt_id)
    sums = _component_sums([debt_id], as_of)
    return _balances(debt.currency, sums.get(debt_id, {}))


def get_days_past_due(*, debt: Debt, as_of: date) -> int:
    """Return how many days ``debt`` is past due on ``as_of``."""
    return list_positions(debts=[debt], as_of=as_of)[debt.pk].days_past_due


def get_position(*, debt: Debt, as_of: date) -> DebtPosition:
    """Return balances, days past due and bucket of ``debt`` on ``as_of``."""
    return list_positions(debts=[debt], as_of=as_of)[debt.pk]


def list_positions(*, debts: Iterable[Debt], as_of: date) -> dict[int, DebtPosition]:
    """Return the position of each debt on ``as_of``, in three queries whatever their number.

    A debt is past due from the oldest instalment that the principal and interest paid, waived or
    written off do not cover; a debt without a schedule is one instalment of the principal and
    interest charged, due on its due date. Unpaid fees and penalties alone make no debt past due.
    """
    by_id = {debt.pk: debt for debt in debts}
    sums = _component_sums(list(by_id), as_of)
    credits = _credits_by_debt(list(by_id), as_of)
    schedules = _schedules(list(by_id))
    positions = {}
    for debt_id, debt in by_id.items():
        debt_sums = sums.get(debt_id, {})
        balances = _balances(debt.currency, debt_sums)
        charged, paid = credits.get(debt_id, (ZERO, ZERO))
        schedule = _due_amounts(debt, schedules.get(debt_id), charged)
        dpd = aging.days_past_due(as_of=as_of, schedule=schedule, paid=paid)
        positions[debt_id] = DebtPosition(debt_id=debt_id, as_of=as_of, balances=balances, days_past_due=dpd)
    return positions


def _effective(as_of: date | None) -> Q:
    return Q() if as_of is None else Q(effective_date__lte=as_of)


def _component_sums(debt_ids: list[int], as_of: date | None) -> dict[int, dict[str, Decimal]]:
    rows = (
        LedgerEntry.objects.filter(_effective(as_of), debt_id__in=debt_ids)
        .values_list("debt_id", "component")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    sums: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for debt_id, component, total in rows:
        sums[debt_id][component] = exact_sum(total)
    return sums


def _credits_by_debt(debt_ids: list[int], as_of: date | None) -> dict[int, tuple[Decimal, Decimal]]:
    """Return per debt the principal and interest charged, and paid, waived or written off (positive)."""
    rows = (
        LedgerEntry.objects.filter(
            _effective(as_of), debt_id__in=debt_ids, component__in=SCHEDULED_COMPONENTS
        )
        .values("debt_id")
        .annotate(
            charged=Sum("amount", filter=Q(amount__gt=0)), credited=Sum("amount", filter=Q(amount__lt=0))
        )
        .order_by()
    )
    return {row["debt_id"]: (exact_sum(row["charged"]), -exact_sum(row["credited"])) for row in rows}


def get_schedule(*, debt: Debt) -> list[ScheduledInstalment]:
    """Return the debt's instalments: its explicit rows if it has any, else the derived equal ones."""
    explicit = _schedules([debt.pk]).get(debt.pk)
    return explicit or _derived_schedule(debt)


def _derived_schedule(debt: Debt) -> list[ScheduledInstalment]:
    return schedule.equal_monthly(
        principal=debt.principal, currency=debt.currency, count=debt.instalment_count, first_due=debt.due_date
    )


def _due_amounts(
    debt: Debt, explicit: list[ScheduledInstalment] | None, charged: Decimal
) -> list[tuple[date, Decimal]]:
    """Return (due date, principal and interest due) of each instalment, for days past due.

    A one-instalment debt without explicit rows owes everything charged on its due date.
    """
    if explicit:
        return [(item.due_date, item.principal_due + item.interest_due) for item in explicit]
    if debt.instalment_count == 1:
        return [(debt.due_date, charged)]
    return [(item.due_date, item.principal_due) for item in _derived_schedule(debt)]


def _schedules(debt_ids: list[int]) -> dict[int, list[ScheduledInstalment]]:
    """Return the explicit instalment rows of the debts that have them."""
    schedules: dict[int, list[ScheduledInstalment]] = defaultdict(list)
    rows = Instalment.objects.filter(debt_id__in=debt_ids).values_list(
        "debt_id", "number", "due_date", "principal_due", "interest_due"
    )
    for debt_id, number, due_date, principal_due, interest_due in rows.order_by("debt_id", "number"):
        schedules[debt_id].append(ScheduledInstalment(number, due_date, principal_due, interest_due))
    return schedules


def _balances(currency: str, sums: dict[str, Decimal]) -> Balances:
    components = {component: sums.get(component, ZERO) for component in OWED_COMPONENTS}
    return Balances(
        currency=currency, components=components, overpayment=-sums.get(Component.OVERPAYMENT, ZERO)
    )
