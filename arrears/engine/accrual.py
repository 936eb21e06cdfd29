"""Accrue penalty interest (罚息) on overdue amounts, day by day, capped by law. Pure, exact.

For each account, penalty interest accrues per calendar day on ``overdue_amount``, for the days
from the day after ``overdue_since`` through ``as_of`` inclusive, and never again for a day on or
before ``accrued_through``:

    start  = max(overdue_since, accrued_through)      (accrued_through null: overdue_since)
    days   = as_of − start                            (0 or less, or overdue_since null: no row)
    rate   = min(penalty_rate, cap_percent)           (cap_percent null: penalty_rate)
    amount = overdue_amount × rate / 100 × days / basis_days,
             rounded half-even to the currency's minor unit (``arrears.core.money``)

- The overdue amount of the run day is used for every day of a catch-up window. This is a
  simplification: the cycle normally runs daily, so the window is one day; after a gap the
  amount of the run day stands for the whole gap.
- ``basis_days`` is 365 by default, also in leap years: a 366-day window earns 366/365 of the
  annual rate.
- ``cap_percent`` is the legal cap in % a year (CN-RATE-01: 4 × the one-year LPR at the contract
  date, from ``arrears.compliance.rules.rates``); ``capped`` says the cap was lower than the
  contract rate.
- One rounding per row and window: catching up 30 days at once can differ by a minor unit from
  30 daily rows. Every row is rounded from the exact product, so rounding never compounds.
- Only rows with an amount above zero are returned (a zero rate, a zero or negative amount, or a
  window that rounds to nothing give no row), in input order.

The arithmetic is exact integer arithmetic, never floats: amount in cents × rate in 1/10,000 of
a percent × days, divided by 10^6 × basis_days (× 100 for a currency without minor units) with
explicit half-even rounding. The product is held in Int128: below 10^18 cents × 10^7 × 2^32
days < 2^127, so no input Decimal(18, 2) and Decimal(7, 4) can overflow it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import polars as pl

from arrears.core.money import MINOR_UNITS

AMOUNT_DTYPE = pl.Decimal(18, 2)
RATE_DTYPE = pl.Decimal(7, 4)

ACCOUNT_SCHEMA: dict[str, pl.DataType] = {
    "debt_id": pl.Int64(),
    "currency": pl.String(),
    "overdue_amount": AMOUNT_DTYPE,
    "overdue_since": pl.Date(),
    "penalty_rate": RATE_DTYPE,
    "cap_percent": RATE_DTYPE,
    "accrued_through": pl.Date(),
}
ACCRUAL_COLUMNS = ("debt_id", "from_date", "to_date", "days", "rate_percent", "capped", "amount")

# amount (cents) × rate (1/10,000 %) × days / (10^2 cents × 10^4 units × 10^2 percent × basis)
_SCALE = 10**6
_AMOUNT_SCALE = 2
# Decimal(18, 2) cannot hold a third decimal, so currencies with more minor digits are refused.
_CURRENCIES = frozenset(code for code, minor in MINOR_UNITS.items() if minor <= _AMOUNT_SCALE)


class AccountsMismatch(ValueError):
    """An accounts frame without the documented columns and types."""


class UnknownCurrency(ValueError):
    """A currency without a known minor unit (``arrears.core.money.MINOR_UNITS``) of at most 2 digits."""


def accrue_penalty(accounts: pl.DataFrame, as_of: date, *, basis_days: int = 365) -> pl.DataFrame:
    """Return the penalty interest each account accrues through ``as_of``: one row per account owing some.

    Columns ``ACCRUAL_COLUMNS``: ``debt_id``, ``from_date`` (first day accrued), ``to_date``
    (= ``as_of``), ``days`` (Int32), ``rate_percent`` (Decimal(7, 4), the rate applied),
    ``capped`` (the legal cap was below the contract rate) and ``amount`` (Decimal(18, 2)).

    :raises AccountsMismatch: naming each missing column and each column of the wrong type.
    :raises UnknownCurrency: naming the currencies without a known minor unit.
    :raises ValueError: when ``basis_days`` is not positive.
    """
    if basis_days <= 0:
        raise ValueError(f"basis_days must be positive, not {basis_days}")
    check_accounts(accounts)
    start = pl.when(pl.col("overdue_since").is_not_null()).then(
        pl.max_horizontal("overdue_since", "accrued_through")
    )
    capped = pl.col("cap_percent").is_not_null() & (pl.col("cap_percent") < pl.col("penalty_rate"))
    owing = (
        accounts.with_columns(
            _start=start,
            days=(pl.lit(as_of) - start).dt.total_days(),
            capped=capped,
            rate_percent=pl.when(capped).then(pl.col("cap_percent")).otherwise(pl.col("penalty_rate")),
        )
        .filter(pl.col("days") > 0)
        .with_columns(_cents_per_unit=_cents_per_unit(pl.col("currency")))
        .with_columns(amount=_penalty(basis_days))
        .filter(pl.col("amount") > 0)
    )
    return owing.select(
        "debt_id",
        from_date=pl.col("_start") + timedelta(days=1),
        to_date=pl.lit(as_of),
        days=pl.col("days").cast(pl.Int32),
        rate_percent="rate_percent",
        capped="capped",
        amount="amount",
    )


def check_accounts(accounts: pl.DataFrame) -> None:
    """Check that ``accounts`` has every column of ``ACCOUNT_SCHEMA`` with its type, and known currencies.

    :raises AccountsMismatch: naming each missing column and each column of the wrong type.
    :raises UnknownCurrency: naming the currencies without a known minor unit.
    """
    problems = [
        f"{name}: missing"
        if name not in accounts.schema
        else f"{name}: {accounts.schema[name]}, expected {dtype}"
        for name, dtype in ACCOUNT_SCHEMA.items()
        if accounts.schema.get(name) != dtype
    ]
    if problems:
        raise AccountsMismatch("the accounts do not match the accrual schema: " + "; ".join(problems))
    unknown = sorted(set(accounts.get_column("currency").unique().to_list()) - _CURRENCIES, key=str)
    if unknown:
        raise UnknownCurrency(f"no minor unit known for: {', '.join(map(str, unknown))}")


def _cents_per_unit(currency: pl.Expr) -> pl.Expr:
    """Return how many hundredths make one minor unit of each currency (CNY 1, JPY 100)."""
    factors = {code: 10 ** (_AMOUNT_SCALE - MINOR_UNITS[code]) for code in _CURRENCIES}
    return currency.replace_strict(factors, return_dtype=pl.Int128)


def _penalty(basis_days: int) -> pl.Expr:
    """Return the exact penalty of each row as Decimal(18, 2), computed in Int128 minor units."""
    cents = pl.col("overdue_amount").to_physical().cast(pl.Int128)
    rate_units = pl.col("rate_percent").to_physical().cast(pl.Int128)
    cents_per_unit = pl.col("_cents_per_unit")
    numerator = cents * rate_units * pl.col("days").cast(pl.Int128)
    denominator = cents_per_unit * (_SCALE * basis_days)
    units = pl.when(numerator > 0).then(_divide_half_even(numerator, denominator)).otherwise(0)
    cents_out = (units * cents_per_unit).cast(pl.Decimal(38, 0))
    return (cents_out * pl.lit(Decimal("0.01"), dtype=pl.Decimal(3, 2))).cast(AMOUNT_DTYPE)


def _divide_half_even(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """Return numerator / denominator rounded half to even, for a positive numerator and denominator."""
    quotient = numerator // denominator
    twice_remainder = (numerator - quotient * denominator) * 2
    round_up = (twice_remainder > denominator) | ((twice_remainder == denominator) & (quotient % 2 == 1))
    return quotient + round_up.cast(pl.Int128)
