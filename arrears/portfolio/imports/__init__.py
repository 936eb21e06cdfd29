"""Import debts and payments from files or frames: read, validate column-wise, load in bulk.

``import_debts`` and ``import_payments`` share one shape: every row is validated, rejected rows are
reported with their row number (header = row 1), column, value and reason; valid rows are applied in
one transaction (nothing when ``strict`` and a row was rejected, nothing when ``dry_run``); one audit
event records the run. See docs/import.md.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
from django.db import transaction

from arrears.core.audit.actions import record_event
from arrears.portfolio.imports import database, debt_loader, debt_rules, payment_loader, reading
from arrears.portfolio.imports.columns import DEBT_COLUMNS, PAYMENT_COLUMNS
from arrears.portfolio.imports.errors import ImportFileUnreadable
from arrears.portfolio.imports.reading import frame_from_records
from arrears.portfolio.imports.result import ImportResult, RowError
from arrears.portfolio.models import Portfolio

__all__ = [
    "ImportFileUnreadable",
    "ImportResult",
    "RowError",
    "frame_from_records",
    "import_debts",
    "import_payments",
]


def import_debts(
    *,
    portfolio: Portfolio,
    source: Path | pl.DataFrame,
    file_name: str,
    dry_run: bool = False,
    strict: bool = False,
    actor: Any,
    now: datetime,
    first_row: int | None = None,
) -> ImportResult:
    """Validate the debts in ``source`` and, unless refused, create or update them in bulk.

    ``first_row`` is the number of the first data row (default: 2 for a file, 1 for a frame).

    :raises ImportFileUnreadable: when the file cannot be read as a table.
    """
    with database.timed("read"):
        frame, first = _frame(source, first_row)
    with database.timed("validate"):
        checked = debt_rules.check_debts(frame, country=portfolio.country, first_row=first)
    if checked.refused:
        return ImportResult(checked.total, 0, 0, 0, 0, checked.errors, applied=False)
    with transaction.atomic():
        locked = Portfolio.objects.select_for_update().get(pk=portfolio.pk)
        with database.timed("plan (fingerprints, existing debts)"):
            plan = debt_loader.plan_debts(checked.valid, portfolio=locked)
        result = ImportResult(
            total=checked.total,
            accepted=plan.rows.height,
            inserted=plan.count(debt_loader.NEW),
            updated=plan.count(debt_loader.CHANGED),
            unchanged=plan.count(debt_loader.UNCHANGED),
            rejected=_ordered(checked.errors + plan.errors, DEBT_COLUMNS),
        )
        if dry_run or (strict and result.rejected):
            return result
        debt_loader.apply_plan(plan, portfolio=locked, now=now, update_status="status" in frame.columns)
        _record(result, "portfolio.import_debts", portfolio=locked, source=source, file_name=file_name,
                actor=actor, now=now)  # fmt: skip
        writes_done = time.perf_counter()
    database.log.debug("commit: %.2f s", time.perf_counter() - writes_done)
    return _applied(result)


def import_payments(
    *,
    portfolio: Portfolio,
    source: Path | pl.DataFrame,
    file_name: str,
    dry_run: bool = False,
    strict: bool = False,
    actor: Any,
    now: datetime,
    first_row: int | None = None,
) -> ImportResult:
    """Validate the payments in ``source`` and, unless refused, allocate and post them in bulk.

    A payment reference already imported with the same debt and amount is left as it is.

    :raises ImportFileUnreadable: when the file cannot be read as a table.
    """
    frame, first = _frame(source, first_row)
    checked = payment_loader.check_payments(frame, first_row=first)
    if checked.refused:
        return ImportResult(checked.total, 0, 0, 0, 0, checked.errors, applied=False)
    with transaction.atomic():
        locked = Portfolio.objects.select_for_update().get(pk=portfolio.pk)
        plan = payment_loader.plan_payments(checked.valid, portfolio=locked)
        result = ImportResult(
            total=checked.total,
            accepted=plan.rows.height,
            inserted=plan.count(payment_loader.NEW),
            updated=0,
            unchanged=plan.count(payment_loader.UNCHANGED),
            rejected=_ordered(checked.errors + plan.errors, PAYMENT_COLUMNS),
        )
        if dry_run or (strict and result.rejected):
            return result
        payment_loader.apply_plan(plan, portfolio=locked, actor=actor, now=now)
        _record(result, "portfolio.import_payments", portfolio=locked, source=source, file_name=file_name,
                actor=actor, now=now)  # fmt: skip
    return _applied(result)


def _frame(source: Path | pl.DataFrame, first_row: int | None) -> tuple[pl.DataFrame, int]:
    if isinstance(source, pl.DataFrame):
        return reading.tidy(source), 1 if first_row is None else first_row
    return reading.read_table(source), 2 if first_row is None else first_row


def _ordered(errors: list[RowError], columns: tuple[str, ...]) -> list[RowError]:
    position = {name: index for index, name in enumerate(columns)}
    return sorted(errors, key=lambda error: (error.row, position.get(error.column, -1)))


def _applied(result: ImportResult) -> ImportResult:
    return ImportResult(
        result.total,
        result.accepted,
        result.inserted,
        result.updated,
        result.unchanged,
        result.rejected,
        True,
    )


def _record(
    result: ImportResult,
    action: str,
    *,
    portfolio: Portfolio,
    source: Path | pl.DataFrame,
    file_name: str,
    actor: Any,
    now: datetime,
) -> None:
    record_event(
        actor=actor,
        action=action,
        target=portfolio,
        now=now,
        portfolio_id=portfolio.pk,
        after={
            "file_name": file_name,
            "sha256": reading.digest_of(source),
            "total": result.total,
            "accepted": result.accepted,
            "inserted": result.inserted,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "rejected": result.rejected_rows,
        },
    )
