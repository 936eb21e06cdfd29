"""Payments from a file: validate, match to debts, allocate in received order, post in bulk."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

import polars as pl
from django.db.models import Sum
from django.utils.translation import gettext as _

from arrears.core.money import exact_sum
from arrears.portfolio import allocation
from arrears.portfolio.choices import DebtStatus, EntryKind, EntrySource, PaymentChannel
from arrears.portfolio.imports import checks, database
from arrears.portfolio.imports.checks import ROW, CheckedRows, add_rule, error_of, value_of
from arrears.portfolio.imports.columns import PAYMENT_COLUMNS, PAYMENT_REQUIRED
from arrears.portfolio.imports.result import ImportPlan, RowError
from arrears.portfolio.models import Debt, LedgerEntry, Payment, Portfolio

NEW, UNCHANGED = "new", "unchanged"
CLOSED_STATUSES = (str(DebtStatus.CLOSED),)
_DEBTS = (
    f"SELECT external_ref, id, currency, status FROM {database.table(Debt)} "  # noqa: S608
    "WHERE portfolio_id = %s AND external_ref IN ({values})"
)


def check_payments(frame: pl.DataFrame, *, first_row: int) -> CheckedRows:
    """Validate every row of ``frame`` (strings); rows are numbered from ``first_row``."""
    header, refused = checks.header_errors(
        frame.columns, known=PAYMENT_COLUMNS, required=PAYMENT_REQUIRED, header_row=first_row - 1
    )
    if refused:
        return CheckedRows(frame.clear(), header, frame.height, refused=True)
    frame = frame.select([name for name in frame.columns if name in PAYMENT_COLUMNS]).with_row_index(
        ROW, offset=first_row
    )
    frame = checks.apply_columns(
        frame,
        {
            "payment_ref": checks.text("payment_ref", required=True, max_length=64),
            "debt_ref": checks.text("debt_ref", required=True, max_length=64),
            "amount": checks.amount("amount", required=True, positive=True),
            "currency": checks.currency_code("currency"),
            "received_date": checks.iso_date("received_date", required=True),
            "channel": checks.choice(
                "channel", choices=PaymentChannel.values, required=False, default=PaymentChannel.BANK_TRANSFER
            ),
        },
        numbers=["amount"],
    )
    condition, message = checks.scale_rule("amount", pl.col(value_of("currency")))
    frame = add_rule(frame, "amount", pl.col(value_of("currency")).is_not_null() & condition, message)
    frame = frame.with_columns(
        pl.coalesce(error_of("payment_ref"), checks.duplicate_rule(frame, "payment_ref")).alias(
            error_of("payment_ref")
        )
    )
    errors = header + checks.collect_errors(frame, PAYMENT_COLUMNS)
    return CheckedRows(frame.filter(~checks.has_error(PAYMENT_COLUMNS)), errors, frame.height, refused=False)


def plan_payments(valid: pl.DataFrame, *, portfolio: Portfolio) -> ImportPlan:
    """Match payments to the portfolio's debts and to payments already imported."""
    debts = database.select_where_in(
        _DEBTS,
        valid[value_of("debt_ref")].unique().to_list(),
        [portfolio.pk],
        {"debt_ref": pl.String, "debt_id": pl.Int64, "debt_currency": pl.String, "debt_status": pl.String},
    )
    rows = valid.join(debts, on="debt_ref", how="left", maintain_order="left")
    rows = rows.join(_existing_payments(rows, portfolio), on="payment_ref", how="left", maintain_order="left")
    rows = rows.with_columns(
        e_match=pl.when(pl.col("debt_id").is_null())
        .then(pl.lit(_("No debt with this reference in the portfolio.")))
        .when(pl.col("debt_status").is_in(CLOSED_STATUSES))
        .then(pl.lit(_("The debt is closed and takes no more payments.")))
        .when(pl.col("debt_currency") != pl.col(value_of("currency")))
        .then(
            checks.fill(_("Differs from the debt's currency %(currency)s."), currency=pl.col("debt_currency"))
        )
        .when(
            pl.col("paid_debt_id").is_not_null()
            & (
                (pl.col("paid_debt_id") != pl.col("debt_id"))
                | (pl.col("paid_amount") != pl.col(value_of("amount")))
                | (pl.col("paid_currency") != pl.col(value_of("currency")))
            )
        )
        .then(pl.lit(_("This payment reference was already used for a different debt or amount."))),
        e_column=pl.when(pl.col("debt_id").is_null() | pl.col("debt_status").is_in(CLOSED_STATUSES))
        .then(pl.lit("debt_ref"))
        .when(pl.col("debt_currency") != pl.col(value_of("currency")))
        .then(pl.lit("currency"))
        .otherwise(pl.lit("payment_ref")),
    )
    refused = rows.filter(pl.col("e_match").is_not_null()).select(
        ROW,
        "e_column",
        pl.when(pl.col("e_column") == "debt_ref")
        .then(pl.col("debt_ref"))
        .when(pl.col("e_column") == "currency")
        .then(pl.col("currency"))
        .otherwise(pl.col("payment_ref"))
        .fill_null(""),
        "e_match",
    )
    errors = [RowError(row, column, value, message) for row, column, value, message in refused.iter_rows()]
    kept = rows.filter(pl.col("e_match").is_null()).with_columns(
        state=pl.when(pl.col("paid_debt_id").is_null()).then(pl.lit(NEW)).otherwise(pl.lit(UNCHANGED))
    )
    return ImportPlan(kept, errors)


def _existing_payments(rows: pl.DataFrame, portfolio: Portfolio) -> pl.DataFrame:
    references = rows["payment_ref"].to_list()
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(references), database.SQLITE_CHUNK):
        found += list(
            Payment.objects.filter(
                portfolio_id=portfolio.pk, external_ref__in=references[start : start + database.SQLITE_CHUNK]
            ).values_list("external_ref", "debt_id", "amount", "currency")
        )
    return pl.DataFrame(
        found,
        schema={"payment_ref": pl.String, "paid_debt_id": pl.Int64, "paid_amount": checks.MONEY,
                "paid_currency": pl.String},
        orient="row",
    )  # fmt: skip


def apply_plan(plan: ImportPlan, *, portfolio: Portfolio, actor: Any, now: datetime) -> None:
    """Allocate the new payments oldest first against current balances and post them in bulk."""
    fresh = plan.rows.filter(pl.col("state") == NEW).sort(value_of("received_date"), ROW)
    if fresh.height == 0:
        return
    stamp = database.stored_datetime(now)
    payment_ids = database.insert_with_ids(
        Payment,
        fresh.select(
            portfolio_id=pl.lit(portfolio.pk),
            debt_id=pl.col("debt_id"),
            external_ref=pl.col("payment_ref"),
            amount=pl.col(value_of("amount")),
            currency=pl.col(value_of("currency")),
            received_date=pl.col(value_of("received_date")),
            channel=pl.col(value_of("channel")),
            source=pl.lit(str(EntrySource.IMPORT)),
            posted_at=pl.lit(stamp),
            posted_by_id=pl.lit(getattr(actor, "pk", None), dtype=pl.Int64),
        ),
    )
    entries, settled = _allocate(
        fresh.with_columns(payment_ids.alias("payment_id")), order=portfolio.allocation_order
    )
    database.insert_frame(
        LedgerEntry,
        entries.with_columns(
            kind=pl.lit(str(EntryKind.PAYMENT)),
            posted_at=pl.lit(stamp),
            source=pl.lit(str(EntrySource.IMPORT)),
            note=pl.lit(""),
        ),
    )
    for start in range(0, len(settled), database.SQLITE_CHUNK):
        Debt.objects.filter(id__in=settled[start : start + database.SQLITE_CHUNK]).exclude(
            status=DebtStatus.SETTLED
        ).update(status=DebtStatus.SETTLED, updated_at=now)


def _allocate(fresh: pl.DataFrame, *, order: list[str]) -> tuple[pl.DataFrame, list[int]]:
    """Return the ledger entries of the payments (in order) and the debts they settle."""
    balances = _balances(fresh["debt_id"].unique().to_list())
    entries: list[tuple[int, int, str, Decimal, Any, str]] = []
    settled: list[int] = []
    for payment_id, debt_id, reference, amount, received in fresh.select(
        "payment_id", "debt_id", "payment_ref", value_of("amount"), value_of("received_date")
    ).iter_rows():
        owed = balances[debt_id]
        if sum(owed.values(), Decimal(0)) - amount <= 0:
            settled.append(debt_id)
        for part in allocation.allocate(amount, owed, order):
            if part.component in owed:
                owed[part.component] -= part.amount
            entries.append(
                (
                    debt_id,
                    payment_id,
                    part.component,
                    -part.amount,
                    received,
                    f"payment:{reference}:{part.component}",
                )
            )
    schema: dict[str, pl.DataType | type[pl.DataType]] = {"debt_id": pl.Int64, "payment_id": pl.Int64, "component": pl.String, "amount": checks.MONEY,
              "effective_date": pl.Date, "idempotency_key": pl.String}  # fmt: skip
    return pl.DataFrame(entries, schema=schema, orient="row"), settled


def _balances(debt_ids: list[int]) -> dict[int, dict[str, Decimal]]:
    owed: dict[int, dict[str, Decimal]] = defaultdict(
        lambda: dict.fromkeys(allocation.COMPONENTS, Decimal("0.00"))
    )
    for start in range(0, len(debt_ids), database.SQLITE_CHUNK):
        sums = (
            LedgerEntry.objects.filter(
                debt_id__in=debt_ids[start : start + database.SQLITE_CHUNK],
                component__in=allocation.COMPONENTS,
            )
            .values_list("debt_id", "component")
            .annotate(total=Sum("amount"))
            .order_by()
        )
        for debt_id, component, total in sums:
            owed[debt_id][component] = exact_sum(total)
    return owed
