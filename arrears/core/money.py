"""Money: Decimal amounts with an ISO 4217 currency, rounded by one policy (plan quotes: a named second). Pure (no Django)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 minor units for the currencies Arrears accepts. Extend here, nowhere else.
MINOR_UNITS: dict[str, int] = {
    "CNY": 2, "HKD": 2, "TWD": 2, "USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "KRW": 0, "SGD": 2,
    "AUD": 2, "CAD": 2, "CHF": 2, "MYR": 2, "THB": 2, "PHP": 2, "IDR": 2, "VND": 0, "INR": 2,
    "NZD": 2, "SEK": 2, "NOK": 2, "DKK": 2, "PLN": 2, "CZK": 2, "MXN": 2, "BRL": 2, "ZAR": 2,
    "AED": 2, "SAR": 2, "MOP": 2,
}  # fmt: skip
CURRENCIES: frozenset[str] = frozenset(MINOR_UNITS)
ZERO = Decimal("0.00")
ROUNDING = ROUND_HALF_EVEN


class InvalidAmount(ValueError):
    """The text is not a decimal amount."""


def is_currency(code: str) -> bool:
    """Return whether ``code`` is a supported ISO 4217 currency code."""
    return code in CURRENCIES


def quantum(currency: str) -> Decimal:
    """Return the smallest unit of ``currency`` as a Decimal exponent (0.01, 1 …)."""
    return Decimal(1).scaleb(-MINOR_UNITS[currency])


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` to the minor unit of ``currency`` (banker's rounding, the one policy)."""
    return amount.quantize(quantum(currency), rounding=ROUNDING)


# The instalment-plan policy: ties away from zero (0.005 → 0.01). See ``round_half_up``.
PLAN_ROUNDING = ROUND_HALF_UP


def round_half_up(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` to the minor unit of ``currency`` with ties away from zero (the plan policy).

    Instalment plans quoted to a debtor (``casework.calculator``) round half up because the issue
    asks for it and because that is how lenders' repayment schedules are usually printed (四舍五入
    to the 分): a debtor who checks a quote with a calculator or a spreadsheet's ROUND() gets the
    same cents. The ledger keeps ``ROUNDING`` (half-even, ``round_money``), whose ties do not drift
    upwards when many amounts are rounded and summed; nothing else should use this function.
    """
    return amount.quantize(quantum(currency), rounding=PLAN_ROUNDING)


def parse_amount(text: str) -> Decimal:
    """Parse a plain decimal amount ("1234.50", "1,234.50"); never via float.

    :raises InvalidAmount: when the text is not a finite decimal number.
    """
    cleaned = text.strip().replace(",", "").replace("_", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidAmount(text) from None
    if not value.is_finite():
        raise InvalidAmount(text)
    return value


def has_valid_scale(amount: Decimal, currency: str) -> bool:
    """Return whether ``amount`` has no more decimals than ``currency`` allows."""
    exponent = amount.as_tuple().exponent
    return isinstance(exponent, int) and -exponent <= MINOR_UNITS[currency]


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if self.currency not in CURRENCIES:
            raise ValueError(f"unknown currency {self.currency!r}")
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def rounded(self) -> Money:
        """Return this amount rounded to the currency's minor unit."""
        return Money(round_money(self.amount, self.currency), self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")


CENT = Decimal("0.01")


def exact_sum(value: Decimal | float | None) -> Decimal:
    """Return a database SUM of money columns as an exact amount of cents.

    SQLite adds decimals in binary floating point (0.1 + 0.2 → 0.30000000000000004); every amount
    Arrears stores has at most two decimals, so rounding the sum to the cent restores the exact
    value for totals below 10^13. PostgreSQL's numeric sums are exact already.
    """
    if value is None:
        return Decimal("0.00")
    return Decimal(str(value)).quantize(CENT, rounding=ROUNDING)
