"""API: reporting — each KPI as JSON, the rows behind a number, and exports, within the caller's portfolios.

Every endpoint takes the reports' filters: ``portfolio`` (id), ``team`` (id; 0 for cases without a
team), ``product``, ``since`` and ``until`` (default: the last 30 days).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema

from arrears.api.portfolio import ErrorOut
from arrears.reporting import drilldown, exports
from arrears.reporting.filters import ReportFilter, build_filter
from arrears.reporting.kpis import DASHBOARDS, KPIS, run_dashboard, run_kpi
from arrears.reporting.tables import Drill, Table

router = Router(tags=["reporting"])


class FiltersIn(Schema):
    portfolio: int | None = None
    team: int | None = None
    product: str = ""
    since: date | None = None
    until: date | None = None


class ColumnOut(Schema):
    name: str
    label: str
    kind: str


class KpiOut(Schema):
    name: str
    title: str
    note: str
    since: date
    until: date
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]
    drills: list[dict[str, dict[str, str]]]


class CatalogOut(Schema):
    kpis: list[str]
    dashboards: dict[str, list[str]]


class DrillIn(FiltersIn):
    metric: str
    key: str = ""
    start: date
    end: date
    collector: int | None = None
    arm: str | None = None
    page: int = 1


class DrillOut(Schema):
    count: int
    amount: Decimal
    rows: list[dict[str, Any]]


def _report(request: HttpRequest, filters: FiltersIn) -> ReportFilter:
    return build_filter(
        user=request.user, today=timezone.localdate(), portfolio=filters.portfolio, team=filters.team,
        product=filters.product, since=filters.since, until=filters.until,
    )  # fmt: skip


def _kpi_out(table: Table, report: ReportFilter) -> KpiOut:
    return KpiOut(
        name=table.name, title=str(table.title), note=str(table.note), since=report.since, until=report.until,
        columns=[ColumnOut(name=column.name, label=str(column.label), kind=column.kind) for column in table.columns],
        rows=[{key: str(value) if isinstance(value, Decimal) else value for key, value in row.items()} for row in table.rows],
        drills=[{column: drill.as_params() for column, drill in drills.items()} for drills in table.drills],
    )  # fmt: skip


@router.get("/reports", response={200: CatalogOut})
def catalog(request: HttpRequest) -> CatalogOut:
    """List the KPIs and the dashboards that group them."""
    return CatalogOut(
        kpis=sorted(KPIS), dashboards={name: list(kpis) for name, (_title, kpis) in DASHBOARDS.items()}
    )


@router.get("/reports/kpis/{name}", response={200: KpiOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def kpi(request: HttpRequest, name: str, filters: Query[FiltersIn]) -> KpiOut:
    """One KPI's rows; money and rates as decimal strings; ``drills`` give each cell's drill-down parameters."""
    report = _report(request, filters)
    return _kpi_out(run_kpi(name, report), report)


@router.get("/reports/drill", response={200: DrillOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def drill(request: HttpRequest, filters: Query[DrillIn]) -> DrillOut:
    """The rows behind a number (a KPI cell's ``drills`` entry: metric, key, start/end = from/to), 50 a page."""
    report = _report(request, filters)
    target = Drill(filters.metric, filters.start, filters.end, filters.key, filters.collector, filters.arm)
    result = drilldown.drill_down(drill=target, report=report, page=filters.page)
    return DrillOut(count=result.count, amount=result.amount, rows=result.rows)


@router.get("/reports/export/{name}", response={200: None, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def export(request: HttpRequest, name: str, filters: Query[FiltersIn], format: str = "csv") -> HttpResponse:
    """A KPI or a whole dashboard as ``csv`` or ``xlsx``."""
    report = _report(request, filters)
    tables = run_dashboard(name, report) if name in DASHBOARDS else [run_kpi(name, report)]
    body = exports.export_tables(tables, file_format=format)
    response = HttpResponse(body, content_type=exports.CONTENT_TYPES[format])
    response["Content-Disposition"] = f'attachment; filename="{name}-{report.since}-{report.until}.{format}"'
    return response
