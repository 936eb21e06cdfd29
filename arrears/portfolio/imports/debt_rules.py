"""Validate a debts frame column-wise: parsed values for good rows, one message per bad value."""

from __future__ import annotations

import polars as pl
from django.utils.translation import gettext as _

from arrears.portfolio.choices import DebtorKind, DebtStatus, Product
from arrears.portfolio.imports import checks, phones
from arrears.portfolio.imports.checks import ROW, CheckedRows, add_rule, error_of, raw, value_of
from arrears.portfolio.imports.columns import (
    CHARGE_COLUMNS,
    DEBT_COLUMNS,
    DEBT_REQUIRED,
    LANGUAGES,
    MAX_INSTALMENTS,
    PHONE_COLUMNS,
)

NUMBER_COLUMNS = (*CHARGE_COLUMNS, "interest_rate", "penalty_rate")
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_REGION = r"^[A-Z]{2}(?:-[A-Z0-9]{1,3})?$"


def check_debts(frame: pl.DataFrame, *, country: str, first_row: int) -> CheckedRows:
    """Validate every row of ``frame`` (strings) for a portfolio in ``country``.

    Rows are numbered from ``first_row``; header problems are reported on the row before it.
    """
    header, refused = checks.header_errors(
        frame.columns, known=DEBT_COLUMNS, required=DEBT_REQUIRED, header_row=first_row - 1
    )
    if refused:
        return CheckedRows(frame.clear(), header, frame.height, refused=True)
    frame = frame.select([name for name in frame.columns if name in DEBT_COLUMNS]).with_row_index(
        ROW, offset=first_row
    )
    frame = checks.apply_columns(frame, _parsers(), numbers=NUMBER_COLUMNS)
    frame = _check_contacts(frame, country)
    frame = _check_across_columns(frame)
    rejected = checks.has_error(DEBT_COLUMNS)
    errors = header + checks.collect_errors(frame, DEBT_COLUMNS)
    return CheckedRows(frame.filter(~rejected), errors, frame.height, refused=False)


def _parsers() -> dict[str, tuple[pl.Expr, pl.Expr]]:
    return {
        "debt_ref": checks.text("debt_ref", required=True, max_length=64),
        "debtor_ref": checks.text("debtor_ref", required=True, max_length=64),
        "debtor_type": checks.choice("debtor_type", choices=DebtorKind.values, required=True, default=None),
        "debtor_name": checks.text("debtor_name", required=True, max_length=200),
        "product": checks.choice("product", choices=Product.values, required=True, default=None),
        "currency": checks.currency_code("currency"),
        "principal": checks.amount("principal", required=True),
        "contract_date": checks.iso_date("contract_date", required=True),
        "due_date": checks.iso_date("due_date", required=True),
        "national_id": _national_id(),
        "birth_date": checks.iso_date("birth_date", required=False),
        "language": checks.choice("language", choices=LANGUAGES, required=False, default="zh-hans"),
        "region": _region(),
        "phone": (raw("phone"), pl.lit(None, pl.String)),
        "phone2": (raw("phone2"), pl.lit(None, pl.String)),
        "email": _email(),
        "address": checks.text("address", required=False, max_length=500),
        "interest_rate": checks.rate("interest_rate"),
        "penalty_rate": checks.rate("penalty_rate"),
        "interest": checks.amount("interest", required=False),
        "penalty": checks.amount("penalty", required=False),
        "fee": checks.amount("fee", required=False),
        "instalments": checks.integer("instalments", minimum=1, maximum=MAX_INSTALMENTS, default=1),
        "status": checks.choice("status", choices=DebtStatus.values, required=False, default=DebtStatus.OPEN),
    }


def _national_id() -> tuple[pl.Expr, pl.Expr]:
    # The same normalisation as contact_values.normalize_national_id, column-wise.
    value = raw("national_id").str.replace_all(r"[\s-]", "").str.to_uppercase()
    message = checks.first_failure(
        [(value.str.len_chars() > 64, checks.fill(_("Longer than %(max)s characters."), max=64))]
    )
    return pl.when(message.is_null()).then(value.replace("", None)), message


def _region() -> tuple[pl.Expr, pl.Expr]:
    upper = raw("region").str.to_uppercase()
    message = checks.first_failure(
        [
            (
                upper.is_not_null() & ~upper.str.contains(_REGION),
                _("Not an ISO 3166 region code such as CN, CN-31 or US-CA."),
            )
        ]
    )
    return pl.when(message.is_null()).then(upper), message


def _email() -> tuple[pl.Expr, pl.Expr]:
    # The same normalisation and test as contact_values.normalize_email, column-wise.
    lowered = raw("email").str.to_lowercase()
    message = checks.first_failure(
        [(lowered.is_not_null() & ~lowered.str.contains(_EMAIL), _("Not an e-mail address."))]
    )
    return pl.when(message.is_null()).then(lowered), message


def _check_contacts(frame: pl.DataFrame, country: str) -> pl.DataFrame:
    numbers = phones.normalize_column(pl.concat([frame[name] for name in PHONE_COLUMNS]), country)
    lookup = numbers.select("raw", "e164", "zone_key", "region")
    for name in PHONE_COLUMNS:
        joined = frame.select(pl.col(name).alias("raw")).join(
            lookup, on="raw", how="left", maintain_order="left"
        )
        frame = frame.with_columns(
            joined["e164"].alias(value_of(name)),
            joined["zone_key"].alias(f"z_{name}"),
            joined["region"].alias(f"r_{name}"),
        )
        frame = add_rule(
            frame,
            name,
            raw(name).is_not_null() & pl.col(value_of(name)).is_null(),
            checks.fill(_("Not a valid phone number for region %(region)s."), region=country),
        )
    return frame.with_columns(
        pl.col(value_of("address")).str.replace_all(r"\s+", " ").alias(value_of("address")),
    )


def _check_across_columns(frame: pl.DataFrame) -> pl.DataFrame:
    currency = pl.col(value_of("currency"))
    for name in CHARGE_COLUMNS:
        condition, message = checks.scale_rule(name, currency)
        frame = add_rule(frame, name, currency.is_not_null() & condition, message)
    frame = add_rule(
        frame,
        "due_date",
        pl.col(value_of("due_date")) < pl.col(value_of("contract_date")),
        _("The due date is before the contract date."),
    )
    frame = frame.with_columns(checks.duplicate_rule(frame, "debt_ref").alias("e_duplicate"))
    frame = frame.with_columns(
        pl.coalesce(error_of("debt_ref"), "e_duplicate").alias(error_of("debt_ref"))
    ).drop("e_duplicate")
    return _check_debtor_agreement(frame)


def _check_debtor_agreement(frame: pl.DataFrame) -> pl.DataFrame:
    """Refuse a later row whose debtor type or name differs from the first row of the same debtor_ref."""
    over = "debtor_ref"
    names = ("debtor_type", "debtor_name")
    # One window context, so the rows are grouped by debtor_ref once for the three firsts.
    frame = frame.with_columns(
        pl.col(ROW).first().over(over).alias("_first_row"),
        *(pl.col(value_of(name)).first().over(over).alias(f"_first_{name}") for name in names),
    )
    for name in names:
        frame = add_rule(
            frame,
            name,
            pl.col(over).is_not_null() & (pl.col(value_of(name)) != pl.col(f"_first_{name}")),
            checks.fill(_("Differs from row %(row)s for the same debtor_ref."), row=pl.col("_first_row")),
        )
    return frame.drop("_first_row", *(f"_first_{name}" for name in names))
