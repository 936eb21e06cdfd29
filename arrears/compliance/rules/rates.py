"""Legal caps on penalty interest (罚息), from the reference-rate table. Pure (no Django).

The table (`arrears/compliance/reference_rates.yaml`) holds reference-rate histories with
effective dates and, per country, the cap as a multiple of one of them. China (RULES.md
CN-RATE-01): overdue interest, liquidated damages and fees together are supported only up to
4 × the one-year LPR (贷款市场报价利率) in force when the contract was formed.

A rate is in force from its effective date (inclusive) until the next one. A contract formed
before the first effective date (the LPR regime began on 2019-08-20) has no reference rate of
its own date: the first value is used. This is a simplification — the transitional rules for
older loans (the former 24 %/36 % private-lending bands) are not modelled.

A country the table does not list, or lists as null, has no cap from this table: ``None``.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any, Literal, overload

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from arrears.core import located_yaml
from arrears.core.located_yaml import Location

CAP_DTYPE = pl.Decimal(7, 4)
_CAP_QUANTUM = Decimal("0.0001")
_CAP_LIMIT = Decimal("1000")  # Decimal(7, 4) holds at most 999.9999
_COUNTRY_PATTERN = r"^[A-Z]{2}$"


class InvalidRateTable(ValueError):
    """A reference-rate file that does not validate; each problem names its line and key."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


class UnknownCountry(ValueError):
    """A country that is not an upper-case ISO 3166-1 alpha-2 code."""


class RatePoint(BaseModel):
    """One value of a reference rate, in force from ``effective`` until the next value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    effective: date
    percent: Decimal
    tag: Literal["V-P", "V-S", "U"]

    @field_validator("percent", mode="before")
    @classmethod
    def _quoted_decimal(cls, value: object) -> Decimal:
        if not isinstance(value, str):
            raise ValueError(f'write the rate as a quoted decimal string ("3.00"), not {value!r}')
        try:
            percent = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal number") from None
        if not percent.is_finite() or percent <= 0:
            raise ValueError(f"{value!r} must be a positive rate in percent")
        exponent = percent.as_tuple().exponent
        if not isinstance(exponent, int) or exponent < -4:
            raise ValueError(f"{value!r} has more than 4 decimals")
        return percent


class Series(BaseModel):
    """A reference rate's history: its name in both languages, its source and its values."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: dict[Literal["en", "zh"], str]
    source: str
    history: tuple[RatePoint, ...] = Field(min_length=1)


class CapRule(BaseModel):
    """A country's cap: ``multiple`` × the series ``of`` in force on the contract date."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    multiple: int = Field(strict=True, ge=1, le=100)
    of: str
    at: Literal["contract_date"]
    rule: str


class RateTable(BaseModel):
    """The checked reference-rate file: series by name, cap rules by country."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    series: dict[str, Series]
    caps: dict[str, CapRule | None]

    def cap_rule(self, country: str) -> CapRule | None:
        """Return the cap rule of ``country``, or None when the table sets none.

        :raises UnknownCountry: when ``country`` is not two upper-case letters.
        """
        if len(country) != 2 or not (country.isascii() and country.isalpha() and country.isupper()):
            raise UnknownCountry(f"{country!r} is not an ISO 3166-1 alpha-2 code such as 'CN'")
        return self.caps.get(country)

    def caps_from(self, rule: CapRule) -> tuple[list[date], list[Decimal]]:
        """Return the effective dates of ``rule``'s series and the cap in force from each."""
        history = self.series[rule.of].history
        return [point.effective for point in history], [_cap(rule, point) for point in history]


def _cap(rule: CapRule, point: RatePoint) -> Decimal:
    return (rule.multiple * point.percent).quantize(_CAP_QUANTUM)


DEFAULT_PATH = "reference_rates.yaml"


def load_reference_rates(path: str | Path | None = None) -> RateTable:
    """Load and check a reference-rate file; the shipped one when ``path`` is None.

    :raises InvalidRateTable: listing every problem as ``line N: key: what is wrong`` (unknown
        keys, rates that are not quoted decimals, dates out of order, a cap naming no series).
    """
    if path is None:
        entry = resources.files("arrears.compliance").joinpath(DEFAULT_PATH)
        return parse_reference_rates(entry.read_text(encoding="utf-8"), source=DEFAULT_PATH)
    file = Path(path)
    return parse_reference_rates(file.read_text(encoding="utf-8"), source=file.name)


def parse_reference_rates(text: str, *, source: str = "<rates>") -> RateTable:
    """Parse and check the YAML text of a reference-rate file.

    :raises InvalidRateTable: listing every problem with its line and key.
    """
    try:
        data, lines, duplicates = located_yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "line 1"
        raise InvalidRateTable(source, [f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}"]) from exc
    if duplicates:
        raise InvalidRateTable(source, duplicates)
    try:
        table = RateTable.model_validate(data)
    except ValidationError as exc:
        problems = [located_yaml.at(lines, tuple(error["loc"]), _message(error)) for error in exc.errors()]
        raise InvalidRateTable(source, problems) from exc
    problems = list(_check_table(table, lines))
    if problems:
        raise InvalidRateTable(source, problems)
    return table


def penalty_cap_percent(table: RateTable, country: str, contract_date: date) -> Decimal | None:
    """Return the legal cap on penalty interest (% a year) for a contract formed on ``contract_date``.

    None when the table sets no cap for ``country``. Before the first effective date of the
    series, its first value applies (see the module docstring).

    :raises UnknownCountry: when ``country`` is not two upper-case letters.
    """
    rule = table.cap_rule(country)
    if rule is None:
        return None
    effective, caps = table.caps_from(rule)
    return caps[max(bisect_right(effective, contract_date) - 1, 0)]


@overload
def cap_percent_column(table: RateTable, country: str, contract_dates: pl.Series) -> pl.Series: ...
@overload
def cap_percent_column(table: RateTable, country: str, contract_dates: pl.Expr) -> pl.Expr: ...
def cap_percent_column(
    table: RateTable, country: str, contract_dates: pl.Expr | pl.Series
) -> pl.Expr | pl.Series:
    """Return ``penalty_cap_percent`` for every contract date, as ``Decimal(7, 4)`` named ``cap_percent``.

    A Series gives a Series of the same length; an expression (``pl.col("contract_date")``) gives
    an expression to use in ``select``/``with_columns``. All null when the country has no cap.
    A null contract date gets the lowest cap the series ever gave: unknown is treated as the
    strictest case, never as "no cap".

    :raises UnknownCountry: when ``country`` is not two upper-case letters.
    """
    if isinstance(contract_dates, pl.Series):
        frame = pl.DataFrame({"contract_date": contract_dates.cast(pl.Date)})
        return frame.select(cap_percent_column(table, country, pl.col("contract_date"))).to_series()
    rule = table.cap_rule(country)
    if rule is None:
        return pl.repeat(None, contract_dates.len(), dtype=CAP_DTYPE).alias("cap_percent")
    effective, caps = table.caps_from(rule)
    position = pl.lit(pl.Series(effective, dtype=pl.Date)).search_sorted(contract_dates, side="right")
    index = (position.cast(pl.Int64) - 1).clip(lower_bound=0)
    cap = pl.lit(pl.Series(caps, dtype=CAP_DTYPE)).gather(index)
    strictest = pl.lit(min(caps), dtype=CAP_DTYPE)
    return pl.when(contract_dates.is_null()).then(strictest).otherwise(cap).alias("cap_percent")


# --- checks with lines -------------------------------------------------------------------------


def _check_table(table: RateTable, lines: dict[Location, int]) -> list[str]:
    problems = []
    for name, series in table.series.items():
        for index in range(1, len(series.history)):
            if series.history[index].effective <= series.history[index - 1].effective:
                where = ("series", name, "history", index, "effective")
                problems.append(located_yaml.at(lines, where, "effective dates must ascend strictly"))
    for country, rule in table.caps.items():
        if not (len(country) == 2 and country.isascii() and country.isalpha() and country.isupper()):
            problems.append(
                located_yaml.at(lines, ("caps", country), "not an ISO 3166-1 alpha-2 code such as CN")
            )
        if rule is None:
            continue
        if rule.of not in table.series:
            problems.append(located_yaml.at(lines, ("caps", country, "of"), f"no series named {rule.of!r}"))
        elif max(table.caps_from(rule)[1]) >= _CAP_LIMIT:
            problems.append(
                located_yaml.at(lines, ("caps", country, "multiple"), "the cap exceeds 999.9999 %")
            )
    return problems


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key"
    return str(error["msg"]).removeprefix("Value error, ")
