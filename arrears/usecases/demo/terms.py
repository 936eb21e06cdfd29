"""Invent a debt: its product terms, schedule, charges to date and payment history. Pure.

Charges follow the terms (see docs/demo.md): interest is simple interest at the annual rate, on the
outstanding principal month by month for instalment loans and on the balance since the statement
for single-payment debts; penalty interest runs on each overdue instalment from its due date; fees
follow the product's late-fee rule. Days past due are then computed as the ledger computes them.
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from arrears.core.money import round_money
from arrears.portfolio import aging
from arrears.usecases.demo.draw import between, cumulative, pick, weighted

ZERO = Decimal("0.00")
DAYS_IN_YEAR = Decimal(365)
# Days past due drawn by aging bucket: (weight, first day, last day); the tail reaches past a year.
DPD_BANDS: tuple[tuple[int, int, int], ...] = (
    (12, 0, 0), (24, 1, 30), (14, 31, 60), (11, 61, 90), (14, 91, 180), (13, 181, 360), (12, 361, 400),
)  # fmt: skip
_DPD_TOTALS = cumulative([band[0] for band in DPD_BANDS])
FULLY_PAID_SHARE = 0.08
PARTLY_PAID_SHARE = 0.5

FeeRule = Callable[[int, int, Decimal], Decimal]  # (overdue instalments, days past due, instalment) → fee


@dataclass(frozen=True, slots=True)
class Terms:
    """What the contract says: product, amounts, schedule length and rates (annual %)."""

    product: str
    currency: str
    principal: Decimal
    instalments: int
    interest_rate: Decimal
    penalty_rate: Decimal
    fee_rule: FeeRule
    statement_days: int  # single-payment debts: days from contract (statement, invoice) to due date
    channels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PaymentRow:
    """Money received for a debt."""

    received_date: date
    amount: Decimal
    channel: str


@dataclass(frozen=True, slots=True)
class DebtRecord:
    """A generated debt: terms, dates, charges to date, payments and the days past due they give."""

    terms: Terms
    contract_date: date
    due_date: date
    interest: Decimal
    penalty: Decimal
    fee: Decimal
    payments: tuple[PaymentRow, ...]
    days_past_due: int


def add_months(start: date, months: int) -> date:
    """Return ``start`` moved by ``months`` calendar months, the day clamped to the month's end."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def no_fee(overdue: int, days_past_due: int, instalment: Decimal) -> Decimal:
    """Charge no fee."""
    return ZERO


def us_card_late_fees(overdue: int, days_past_due: int, instalment: Decimal) -> Decimal:
    """Charge 30.00 for the first missed statement and 41.00 for each later one, six at most."""
    cycles = min(6, -(-days_past_due // 30))
    return ZERO if cycles == 0 else Decimal("30.00") + Decimal("41.00") * (cycles - 1)


def auto_loan_late_charges(overdue: int, days_past_due: int, instalment: Decimal) -> Decimal:
    """Charge 5 % of the instalment for each overdue instalment."""
    return instalment * Decimal("0.05") * overdue


def telecom_late_fees(overdue: int, days_past_due: int, instalment: Decimal) -> Decimal:
    """Charge 10.00 for each missed monthly bill cycle, three at most."""
    return Decimal("10.00") * min(3, -(-days_past_due // 30))


def _rate(rng: random.Random, low_hundredths: int, high_hundredths: int) -> Decimal:
    return Decimal(between(rng, low_hundredths, high_hundredths)) / 100


def _cents(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(between(rng, low * 100, high * 100)) / 100


def _loan(rng: random.Random, terms: tuple[int, ...], low: int, high: int) -> tuple[int, Decimal]:
    count = pick(rng, terms)
    unit = count * 100  # whole hundreds per instalment: the schedule splits evenly
    return count, Decimal(between(rng, max(1, low // unit), high // unit) * unit)


def consumer_loan_cny(rng: random.Random) -> Terms:
    """Return a 消费贷: 5,000–200,000 CNY over 3–24 months, 7.2–23.9 %, penalty 1.5× the rate."""
    count, principal = _loan(rng, (3, 6, 12, 24), 5_000, 200_000)
    rate = _rate(rng, 720, 2390)
    return Terms(
        "consumer_loan", "CNY", principal, count, rate, rate * 3 / 2, no_fee, 0, ("wallet", "bank_transfer")
    )


def credit_card_cny(rng: random.Random) -> Terms:
    """Return a credit-card statement of 2,000–80,000 CNY at 0.05 % a day (18.25 % a year)."""
    principal = _cents(rng, 2_000, 80_000)
    return Terms(
        "credit_card", "CNY", principal, 1, Decimal("18.25"), ZERO, no_fee, 25, ("wallet", "bank_transfer")
    )


def sme_loan_cny(rng: random.Random) -> Terms:
    """Return an SME loan of 50,000–2,000,000 CNY over 12–36 months, 4.35–12 %, penalty 1.5× the rate."""
    count, principal = _loan(rng, (12, 24, 36), 50_000, 2_000_000)
    rate = _rate(rng, 435, 1200)
    return Terms("sme_loan", "CNY", principal, count, rate, rate * 3 / 2, no_fee, 0, ("bank_transfer",))


def b2b_invoice_cny(rng: random.Random) -> Terms:
    """Return an invoice of 8,000–600,000 CNY on 30/60/90-day terms, late interest 0.05 % a day."""
    principal = _cents(rng, 8_000, 600_000)
    days = pick(rng, (30, 60, 90))
    return Terms("b2b_invoice", "CNY", principal, 1, ZERO, Decimal("18.25"), no_fee, days, ("bank_transfer",))


def credit_card_usd(rng: random.Random) -> Terms:
    """Return a card statement of 500–15,000 USD at an APR of 19.99–29.99 % with late fees."""
    principal = _cents(rng, 500, 15_000)
    rate = pick(
        rng, (Decimal("19.99"), Decimal("22.99"), Decimal("24.99"), Decimal("27.99"), Decimal("29.99"))
    )
    return Terms(
        "credit_card", "USD", principal, 1, rate, ZERO, us_card_late_fees, 25, ("card", "bank_transfer")
    )


def auto_loan_usd(rng: random.Random) -> Terms:
    """Return an auto loan of 8,000–45,000 USD over 24–60 months at 4.9–14.9 %, 5 % late charges."""
    count, principal = _loan(rng, (24, 36, 48, 60), 8_000, 45_000)
    rate = _rate(rng, 490, 1490)
    return Terms(
        "auto_loan", "USD", principal, count, rate, ZERO, auto_loan_late_charges, 0, ("direct_debit", "card")
    )


def telecom_gbp(rng: random.Random) -> Terms:
    """Return a telecom bill of 15–300 GBP, payable in 14 days, with a 10.00 fee per missed cycle."""
    principal = _cents(rng, 15, 300)
    return Terms("telecom", "GBP", principal, 1, ZERO, ZERO, telecom_late_fees, 14, ("direct_debit", "card"))


def draw_days_past_due(rng: random.Random) -> int:
    """Return a target days-past-due figure drawn across the aging buckets, 0 to 400."""
    _, first, last = weighted(rng, DPD_BANDS, _DPD_TOTALS)
    return between(rng, first, last)


def _first_unpaid_due(as_of: date, target: int) -> date:
    """Return the due date ``target`` days before ``as_of`` (or soon after it for 0), on a day ≤ 28."""
    step = timedelta(days=1 if target == 0 else -1)
    due = as_of + timedelta(days=13) if target == 0 else as_of - timedelta(days=target)
    while due.day > 28:
        due += step
    return due


def _schedule(terms: Terms, first_due: date, as_of: date) -> list[tuple[date, Decimal]]:
    """Return the instalments due up to the first one after ``as_of``; later ones change nothing here."""
    part = terms.principal / terms.instalments
    elapsed = (as_of.year - first_due.year) * 12 + as_of.month - first_due.month
    count = max(1, min(terms.instalments, elapsed + 2))
    month_index = first_due.year * 12 + first_due.month - 1
    return [
        (date((month_index + number) // 12, (month_index + number) % 12 + 1, first_due.day), part)
        for number in range(count)
    ]  # first_due.day is at most 28, so every month has it


def _interest(terms: Terms, contract: date, schedule: list[tuple[date, Decimal]], until: date) -> Decimal:
    if terms.instalments == 1:
        days = max(0, (until - contract).days)
        return terms.principal * terms.interest_rate / 100 * days / DAYS_IN_YEAR
    months = sum(1 for due, _ in schedule if due <= until)
    part = schedule[0][1]
    return terms.interest_rate / 1200 * (months * terms.principal - part * months * (months - 1) / 2)


def _penalty(terms: Terms, schedule: list[tuple[date, Decimal]], paid_count: int, until: date) -> Decimal:
    overdue = [(due, part) for due, part in schedule[paid_count:] if due < until]
    return sum(
        (part * terms.penalty_rate / 100 * (until - due).days / DAYS_IN_YEAR for due, part in overdue), ZERO
    )


def _charges(
    terms: Terms, contract: date, schedule: list[tuple[date, Decimal]], paid_count: int, until: date
) -> tuple[Decimal, Decimal, Decimal]:
    overdue = sum(1 for due, _ in schedule[paid_count:] if due < until)
    days_late = max(0, (until - schedule[paid_count][0]).days)
    currency = terms.currency
    return (
        round_money(_interest(terms, contract, schedule, until), currency),
        round_money(_penalty(terms, schedule, paid_count, until), currency),
        round_money(terms.fee_rule(overdue, days_late, schedule[0][1]), currency),
    )


def _regular_payments(
    rng: random.Random, terms: Terms, schedule: list[tuple[date, Decimal]], paid_count: int
) -> list[PaymentRow]:
    payments = []
    for number, (due, part) in enumerate(schedule[:paid_count]):
        outstanding = terms.principal - part * number
        amount = round_money(part + outstanding * terms.interest_rate / 1200, terms.currency)
        payments.append(PaymentRow(due - timedelta(days=between(rng, 0, 3)), amount, terms.channels[0]))
    return payments


def _partial_payments(
    rng: random.Random, terms: Terms, since: date, as_of: date, part: Decimal
) -> list[PaymentRow]:
    span = (as_of - since).days
    dates = sorted(since + timedelta(days=between(rng, 1, span)) for _ in range(between(rng, 1, 2)))
    share = [Decimal(between(rng, 5, 24)) / 100 for _ in dates]
    return [
        PaymentRow(
            day, max(Decimal("1.00"), round_money(part * fraction, terms.currency)), pick(rng, terms.channels)
        )
        for day, fraction in zip(dates, share, strict=True)
    ]


def _scheduled_paid(charges: dict[str, Decimal], payments: list[PaymentRow]) -> Decimal:
    """Return what the payments put on interest and principal once fee and penalty are settled.

    This is :func:`allocation.allocate` in the default order (fee, penalty, interest, principal),
    summed over the payments, which the demo portfolios use.
    """
    paid = sum((payment.amount for payment in payments), ZERO)
    return min(
        max(ZERO, paid - charges["fee"] - charges["penalty"]), charges["interest"] + charges["principal"]
    )


def expected_days_past_due(
    *,
    schedule: list[tuple[date, Decimal]],
    charges: dict[str, Decimal],
    payments: list[PaymentRow],
    as_of: date,
) -> int:
    """Return the days past due the ledger will report: payments settle fee, penalty, interest, principal."""
    return aging.days_past_due(as_of=as_of, schedule=schedule, paid=_scheduled_paid(charges, payments))


def _late_payments(
    rng: random.Random, terms: Terms, first_unpaid: date, as_of: date, schedule: list[tuple[date, Decimal]]
) -> list[PaymentRow]:
    """Return what a debtor paid after falling behind, if anything."""
    if first_unpaid >= as_of or rng.random() >= PARTLY_PAID_SHARE:
        return []
    return _partial_payments(rng, terms, first_unpaid, as_of, schedule[0][1])


def _catch_up(
    rng: random.Random,
    terms: Terms,
    charges: dict[str, Decimal],
    payments: list[PaymentRow],
    covered: Decimal,
    first_unpaid: date,
    as_of: date,
) -> list[PaymentRow]:
    """Return a payment of the late charges that keeps the instalments paid on time covered."""
    paid = sum((payment.amount for payment in payments), ZERO)
    shortfall = charges["fee"] + charges["penalty"] + covered - paid if covered > 0 else ZERO
    if shortfall <= 0 or first_unpaid >= as_of:
        return []
    received = first_unpaid + timedelta(days=between(rng, 1, (as_of - first_unpaid).days))
    return [PaymentRow(received, shortfall, pick(rng, terms.channels))]


def build_debt(rng: random.Random, terms: Terms, as_of: date) -> DebtRecord:
    """Return a debt on ``terms`` whose oldest unpaid instalment is about a drawn number of days overdue."""
    target = draw_days_past_due(rng)
    paid_count = (
        0 if terms.instalments == 1 or rng.random() < 0.5 else between(rng, 1, min(terms.instalments - 1, 4))
    )
    first_unpaid = _first_unpaid_due(as_of, target)
    first_due = add_months(first_unpaid, -paid_count)
    contract = (
        add_months(first_due, -1) if terms.instalments > 1 else first_due - timedelta(terms.statement_days)
    )
    schedule = _schedule(terms, first_due, as_of)
    payments = _regular_payments(rng, terms, schedule, paid_count)
    fully_paid = target > 0 and rng.random() < FULLY_PAID_SHARE
    until = first_unpaid + timedelta(days=between(rng, 0, target)) if fully_paid else as_of
    interest, penalty, fee = _charges(terms, contract, schedule, paid_count, until)
    charges = {"principal": terms.principal, "interest": interest, "penalty": penalty, "fee": fee}
    if fully_paid:
        owed = terms.principal + interest + penalty + fee
        payments.append(
            PaymentRow(until, owed - sum((p.amount for p in payments), ZERO), pick(rng, terms.channels))
        )
    else:
        covered = sum((part for _, part in schedule[:paid_count]), ZERO)
        payments += _catch_up(rng, terms, charges, payments, covered, first_unpaid, as_of)
        payments += _late_payments(rng, terms, first_unpaid, as_of, schedule)
    dpd = expected_days_past_due(schedule=schedule, charges=charges, payments=payments, as_of=as_of)
    return DebtRecord(terms, contract, first_due, interest, penalty, fee, tuple(payments), dpd)
