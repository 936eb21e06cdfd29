"""Exports of KPI tables: CSV (UTF-8 with BOM, so spreadsheet programs read Chinese) and XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook

from arrears.core.errors import DomainError
from arrears.reporting.tables import Table

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class UnknownFormat(DomainError):
    """An export format other than CSV and XLSX."""


def export_tables(tables: Iterable[Table], *, file_format: str) -> bytes:
    """Return ``tables`` as one CSV (tables one after another, each under its title) or one XLSX (a sheet each).

    :raises UnknownFormat: when ``file_format`` is neither ``csv`` nor ``xlsx``.
    """
    if file_format == "csv":
        return _csv(list(tables))
    if file_format == "xlsx":
        return _xlsx(list(tables))
    raise UnknownFormat(_("Exports are CSV or XLSX, not %(format)s.") % {"format": file_format})


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal | int | date):
        return value
    return str(value)


def _csv(tables: list[Table]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for index, table in enumerate(tables):
        if index:
            writer.writerow([])
        if len(tables) > 1:
            writer.writerow([table.title])
        writer.writerow([str(column.label) for column in table.columns])
        for row in table.rows:
            writer.writerow([_cell(row.get(column.name)) for column in table.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx(tables: list[Table]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        sheet = workbook.create_sheet(table.name[:31])
        sheet.append([str(column.label) for column in table.columns])
        for row in table.rows:
            sheet.append([_cell(row.get(column.name)) for column in table.columns])
        for position, column in enumerate(table.columns, start=1):
            if column.kind in ("money", "rate"):
                fmt = "#,##0.00" if column.kind == "money" else "0.00%"
                for (cell,) in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
                    cell.number_format = fmt
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
