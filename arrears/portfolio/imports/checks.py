"""Column-wise checks: each column gets a parsed value column and a message column (null = fine).

A frame under validation carries ``_row`` (the row number shown to the user), the raw string
columns, ``v_<column>`` parsed values and ``e_<column>`` messages. Only the first failing check of a
column is reported for a row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import polars as pl
from django.utils.translation import gettext as _

from arrears.core import money
from arrears.portfolio.imports.result import RowError

ROW = "_row"
_DATE = r"^\d{4}-\d{2}-\d{2}$"
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
MONEY = pl.Decimal(18, 2)
RATE = pl.Decimal(7, 4)
MAX_WHOLE_DIGITS = 16
Rule = tuple[pl.Expr, pl.Expr | str]


@dataclass(frozen=True)
class CheckedRows:
    """The outcome of validation: good rows with parsed ``v_*`` columns, and every message."""

    valid: pl.DataFrame
    errors: list[RowError]
    total: int
    refused: bool


def value_of(column: str) -> str:
    """Return the name of the parsed value column of ``column``."""
    return f"v_{column}"


def error_of(column: str) -> str:
    """Return the name of the message column of ``column``."""
    return f"e_{column}"


def fill(template: str, **params: pl.Expr | str | int) -> pl.Expr:
    """Return a string expression: the translated ``template`` with ``%(name)s`` placeholders filled."""
    pieces = _PLACEHOLDER.split(template)
    parts: list[pl.Expr] = []
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            if piece:
                parts.append(pl.lit(piece))
            continue
        param = params[piece]
        parts.append(param.cast(pl.String) if isinstance(param, pl.Expr) else pl.lit(str(param)))
    return pl.concat_str(parts) if parts else pl.lit("")


def first_failure(rules: Sequence[Rule]) -> pl.Expr:
    """Return the message of the first rule whose condition holds, else null."""
    result: pl.Expr = pl.lit(None, pl.String)
    for condition, message in reversed(rules):
        text = message if isinstance(message, pl.Expr) else pl.lit(message)
        result = pl.when(condition).then(text).otherwise(result)
    return result


def raw(column: str) -> pl.Expr:
    """Return the raw text of ``column``."""
    return pl.col(column)


def required_rule(column: str) -> tuple[pl.Expr, str]:
    """Return the rule refusing a blank required value."""
    return raw(column).is_null(), _("A value is required.")


def text(column: str, *, required: bool, max_length: int) -> tuple[pl.Expr, pl.Expr]:
    """Return (value, message) of a free text column of at most ``max_length`` characters."""
    rules: list[Rule] = [required_rule(column)] if required else []
    rules.append(
        (raw(column).str.len_chars() > max_length, fill(_("Longer than %(max)s characters."), max=max_length))
    )
    message = first_failure(rules)
    return pl.when(message.is_null()).then(raw(column)), message


def choice(
    column: str, *, choices: Iterable[str], required: bool, default: str | None
) -> tuple[pl.Expr, pl.Expr]:
    """Return (value, message) of a column taking one of ``choices`` (case-insensitive); blank → ``default``."""
    allowed = list(choices)
    lowered = raw(column).str.to_lowercase()
    rules: list[Rule] = [required_rule(column)] if required else []
    rules.append(
        (
            lowered.is_not_null() & ~lowered.is_in(allowed),
            fill(_("Unknown value; expected one of: %(choices)s."), choices=", ".join(allowed)),
        )
    )
    message = first_failure(rules)
    value = pl.when(message.is_null()).then(lowered.fill_null(pl.lit(default, pl.String)))
    return value, message


def _clean_number(column: str) -> pl.Expr:
    return raw(column).str.replace_all(r"[,_\s]", "")


def number_parts(column: str) -> pl.Expr:
    """Return the struct (sign, whole digits, fraction digits) of the number in ``column``.

    Numeric parsers read it from the ``n_<column>`` column :func:`apply_columns` adds first, so the
    regular expression runs once per column.
    """
    return _clean_number(column).str.extract_groups(r"^([+-]?)(\d*)(?:\.(\d*))?$").alias(f"n_{column}")


def _number_parts(column: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    parts = pl.col(f"n_{column}")
    return parts.struct.field("1"), parts.struct.field("2"), parts.struct.field("3")


def _number_rules(column: str, *, max_whole: int, max_decimals: int | None) -> tuple[list[Rule], pl.Expr]:
    """Return the rules of a non-negative decimal number and its text with at most two decimals."""
    sign, whole, fraction = _number_parts(column)
    fraction = fraction.fill_null("")
    is_number = whole.is_not_null() & ((whole.str.len_chars() + fraction.str.len_chars()) > 0)
    nonzero = pl.concat_str([whole, fraction]).str.strip_chars("0").str.len_chars() > 0
    rules: list[Rule] = [
        (raw(column).is_not_null() & ~is_number, _("Not a number.")),
        ((sign == "-") & nonzero, _("Must not be negative.")),
        (whole.str.strip_chars_start("0").str.len_chars() > max_whole, _("Too large.")),
    ]
    if max_decimals is not None:
        rules.append(
            (
                fraction.str.len_chars() > max_decimals,
                fill(_("At most %(places)s decimals."), places=max_decimals),
            )
        )
    text = pl.concat_str(
        [pl.when(whole == "").then(pl.lit("0")).otherwise(whole), pl.lit("."), fraction.str.slice(0, 4)]
    )
    return rules, pl.when(nonzero).then(text).otherwise(pl.lit("0"))


def amount(column: str, *, required: bool, positive: bool = False) -> tuple[pl.Expr, pl.Expr]:
    """Return (value as Decimal(18,2), message) of an amount; blank → 0 when optional.

    The currency's number of decimals is checked afterwards by :func:`scale_rule`.
    """
    number_rules, text = _number_rules(column, max_whole=MAX_WHOLE_DIGITS, max_decimals=None)
    rules: list[Rule] = [required_rule(column)] if required else []
    rules += number_rules
    if positive:
        rules.append((text == "0", _("Must be greater than zero.")))
    message = first_failure(rules)
    # Decimals beyond the currency's are refused by scale_rule; cut them here so the cast cannot fail.
    fallback = pl.lit(None, pl.String) if required else pl.lit("0")
    value = pl.when(message.is_null()).then(
        pl.when(raw(column).is_null())
        .then(fallback)
        .otherwise(text.str.replace(r"^(\d+\.\d{0,2})\d*$", "${1}"))
    )
    return value.cast(MONEY), message


def decimals_of(column: str) -> pl.Expr:
    """Return how many decimals the raw number in ``column`` has."""
    return _number_parts(column)[2].str.len_chars().fill_null(0)


def scale_rule(column: str, currency: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Return the rule refusing more decimals than ``currency`` allows."""
    places = currency.replace_strict(money.MINOR_UNITS, default=2, return_dtype=pl.Int64)
    return (
        raw(column).is_not_null() & (decimals_of(column) > places),
        fill(_("Too many decimals for %(currency)s (at most %(places)s)."), currency=currency, places=places),
    )


def rate(column: str) -> tuple[pl.Expr, pl.Expr]:
    """Return (value as Decimal(7,4), message) of an annual percentage rate; blank → 0."""
    rules, text = _number_rules(column, max_whole=3, max_decimals=4)
    message = first_failure(rules)
    return pl.when(message.is_null()).then(text.fill_null("0")).cast(RATE), message


def iso_date(column: str, *, required: bool) -> tuple[pl.Expr, pl.Expr]:
    """Return (value as Date, message) of a YYYY-MM-DD date."""
    parsed = raw(column).str.to_date("%Y-%m-%d", strict=False)
    rules: list[Rule] = [required_rule(column)] if required else []
    rules.append(
        (
            raw(column).is_not_null() & (~raw(column).str.contains(_DATE) | parsed.is_null()),
            _("Not a date in the format YYYY-MM-DD."),
        )
    )
    message = first_failure(rules)
    return pl.when(message.is_null()).then(parsed), message


def integer(column: str, *, minimum: int, maximum: int, default: int) -> tuple[pl.Expr, pl.Expr]:
    """Return (value, message) of a whole number from ``minimum`` to ``maximum``; blank → ``default``."""
    parsed = raw(column).str.replace(r"^\+", "").cast(pl.Int64, strict=False)
    bad = raw(column).is_not_null() & (
        ~raw(column).str.contains(r"^\+?\d{1,9}$") | (parsed < minimum) | (parsed > maximum)
    )
    message = first_failure(
        [(bad, fill(_("Not a whole number from %(min)s to %(max)s."), min=minimum, max=maximum))]
    )
    return pl.when(message.is_null()).then(parsed.fill_null(default)), message


def currency_code(column: str) -> tuple[pl.Expr, pl.Expr]:
    """Return (value, message) of an ISO 4217 code Arrears supports."""
    upper = raw(column).str.to_uppercase()
    message = first_failure(
        [required_rule(column), (~upper.is_in(sorted(money.CURRENCIES)), _("Unknown currency code."))]
    )
    return pl.when(message.is_null()).then(upper), message


def duplicate_rule(frame: pl.DataFrame, column: str) -> pl.Series:
    """Return, for each row, the message naming the earlier row with the same ``column`` value (or null)."""
    first_rows = frame.select(pl.col(ROW).first().over(column).alias("first"), pl.col(column), pl.col(ROW))
    repeated = first_rows["first"] != first_rows[ROW]
    return first_rows.select(
        pl.when(pl.col(column).is_not_null() & pl.Series(repeated))
        .then(fill(_("Duplicate reference: row %(row)s has it first."), row=pl.col("first")))
        .alias(error_of(column))
    ).to_series()


def apply_columns(
    frame: pl.DataFrame, parsers: Mapping[str, tuple[pl.Expr, pl.Expr]], *, numbers: Iterable[str] = ()
) -> pl.DataFrame:
    """Add ``v_<column>`` and ``e_<column>`` for each parser, adding blank columns the file lacks.

    ``numbers`` names the columns whose parsers read :func:`number_parts`.
    """
    missing = [name for name in parsers if name not in frame.columns]
    frame = frame.with_columns(pl.lit(None, pl.String).alias(name) for name in missing)
    frame = frame.with_columns(number_parts(name) for name in numbers)
    return frame.with_columns(
        expression
        for name, (value, message) in parsers.items()
        for expression in (value.alias(value_of(name)), message.alias(error_of(name)))
    )


def add_rule(frame: pl.DataFrame, column: str, condition: pl.Expr, message: pl.Expr | str) -> pl.DataFrame:
    """Set ``e_<column>`` where ``condition`` holds and the column has no message yet."""
    text = message if isinstance(message, pl.Expr) else pl.lit(message)
    current = pl.col(error_of(column))
    return frame.with_columns(
        pl.when(current.is_null() & condition.fill_null(False))
        .then(text)
        .otherwise(current)
        .alias(error_of(column))
    )


def has_error(columns: Iterable[str]) -> pl.Expr:
    """Return whether any of the columns' message columns is set."""
    return pl.any_horizontal([pl.col(error_of(name)).is_not_null() for name in columns])


def collect_errors(frame: pl.DataFrame, columns: Iterable[str]) -> list[RowError]:
    """Return the messages of ``columns`` as row errors, ordered by row then column order."""
    names = list(columns)
    parts = [
        frame.filter(pl.col(error_of(name)).is_not_null()).select(
            pl.col(ROW).alias("row"),
            pl.lit(position).alias("position"),
            pl.lit(name).alias("column"),
            pl.col(name).fill_null("").alias("value"),
            pl.col(error_of(name)).alias("message"),
        )
        for position, name in enumerate(names)
    ]
    if not parts:
        return []
    errors = pl.concat(parts).sort("row", "position")
    return [
        RowError(row=row, column=column, value=value, message=message)
        for row, column, value, message in errors.select("row", "column", "value", "message").iter_rows()
    ]


def header_errors(
    columns: Sequence[str], *, known: Iterable[str], required: Iterable[str], header_row: int
) -> tuple[list[RowError], bool]:
    """Return the header's errors and whether a required column is missing (the file is refused)."""
    known_set = set(known)
    errors = [
        RowError(header_row, name, name, _("Unknown column; its values were not imported."))
        for name in columns
        if name not in known_set
    ]
    missing = [name for name in required if name not in columns]
    errors += [
        RowError(header_row, name, "", _("Required column is missing; nothing was imported."))
        for name in missing
    ]
    return errors, bool(missing)
