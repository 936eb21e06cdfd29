"""The reports: dashboards of KPIs with charts and filters, the cases behind any number, and exports.

Every number that has rows behind it links to ``reports/drill/`` with the same filters; the list's
total is the number. Filters (portfolio, team, product, period) are a GET form, so pages work
without JavaScript; the charts are drawn by ECharts from JSON the page carries.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from arrears.core.errors import NotFound
from arrears.people.models import Team
from arrears.people.roles import Capability
from arrears.portfolio import queries as portfolio_queries
from arrears.portfolio.choices import Product
from arrears.reporting import drilldown, exports
from arrears.reporting.filters import BadPeriod, ReportFilter, build_filter
from arrears.reporting.kpis import DASHBOARDS, KPIS, run_dashboard, run_kpi
from arrears.reporting.tables import Drill, Table


class ReportFilterForm(forms.Form):
    portfolio = forms.TypedChoiceField(
        label=gettext_lazy("Portfolio"), required=False, coerce=int, empty_value=None
    )
    team = forms.TypedChoiceField(label=gettext_lazy("Team"), required=False, coerce=int, empty_value=None)
    product = forms.ChoiceField(label=gettext_lazy("Product"), required=False)
    since = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        portfolios = portfolio_queries.list_portfolios(user=user)
        everything = [("", _("All"))]
        self.fields["portfolio"].choices = everything + [(str(item.pk), item.name) for item in portfolios]  # type: ignore[attr-defined]
        teams = [(str(team.pk), team.name) for team in Team.objects.order_by("name")]
        self.fields["team"].choices = [*everything, ("0", _("No team")), *teams]  # type: ignore[attr-defined]
        self.fields["product"].choices = everything + list(Product.choices)  # type: ignore[attr-defined]


def _require_reports(request: HttpRequest) -> None:
    if not request.user.can(Capability.VIEW_REPORTS):  # type: ignore[union-attr]
        raise PermissionDenied(_("Your role may not see reports."))


def _report(request: HttpRequest) -> tuple[ReportFilterForm, ReportFilter]:
    form = ReportFilterForm(request.GET or None, user=request.user)
    choices = form.cleaned_data if form.is_valid() else {}
    if form.is_bound and "portfolio" in form.errors:
        raise Http404(_("There is no such portfolio among yours."))
    try:
        report = build_filter(
            user=request.user, today=timezone.localdate(), portfolio=choices.get("portfolio"),
            team=choices.get("team"), product=choices.get("product") or "", since=choices.get("since"),
            until=choices.get("until"),
        )  # fmt: skip
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except BadPeriod as exc:
        form.add_error("until", str(exc))
        report = build_filter(user=request.user, today=timezone.localdate())
    if not form.is_bound:
        form = ReportFilterForm(initial={"since": report.since, "until": report.until}, user=request.user)
    return form, report


def _shown(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "rate" and isinstance(value, Decimal):
        return f"{number_format(value * 100, 2)} %"
    if kind == "money":
        return number_format(value, 2, force_grouping=True)
    if isinstance(value, Decimal):
        return number_format(value, 4)
    return str(value)


def _drill_url(drill: Drill, report: ReportFilter) -> str:
    return f"{reverse('desk:report_drill')}?{urlencode({**report.as_params(), **drill.as_params()})}"


def present(table: Table, report: ReportFilter) -> dict[str, Any]:
    """Return the table's cells as text with the drill-down link of each, and its chart's data."""
    rows = [
        [
            {"text": _shown(row.get(column.name), column.kind), "kind": column.kind,
             "url": _drill_url(drills[column.name], report) if column.name in drills else ""}
            for column in table.columns
        ]
        for row, drills in zip(table.rows, table.drills, strict=True)
    ]  # fmt: skip
    chart = None
    if table.chart and table.rows:
        labels = {column.name: str(column.label) for column in table.columns}
        chart = {
            "kind": table.chart.kind,
            "categories": [str(row[table.chart.category]) for row in table.rows],
            "series": [
                {"name": labels[name], "data": [_number(row.get(name)) for row in table.rows]}
                for name in table.chart.values
            ],
        }
    return {
        "table": table,
        "rows": rows,
        "chart": chart,
        "chart_id": f"chart-{table.name}",
        "data_id": f"data-{table.name}",
    }


def _number(value: Any) -> float | int | None:
    """Return a chart's value (charts draw floats; tables and exports keep exact decimals)."""
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else value


@login_required
@require_GET
def reports_home(request: HttpRequest) -> HttpResponse:
    _require_reports(request)
    return redirect("desk:report_dashboard", name="portfolio")


@login_required
@require_GET
def dashboard(request: HttpRequest, name: str) -> HttpResponse:
    _require_reports(request)
    if name not in DASHBOARDS:
        raise Http404(_("There is no dashboard named %(name)s.") % {"name": name})
    form, report = _report(request)
    tables = [present(table, report) for table in run_dashboard(name, report)]
    query = urlencode(report.as_params())
    context = {
        "form": form, "name": name, "title": DASHBOARDS[name][0], "tables": tables, "query": query,
        "dashboards": [(key, title) for key, (title, _kpis) in DASHBOARDS.items()],
    }  # fmt: skip
    return TemplateResponse(request, "desk/reporting/dashboard.html", context)


@login_required
@require_GET
def drill(request: HttpRequest) -> HttpResponse:
    _require_reports(request)
    _form, report = _report(request)
    try:
        target = Drill(
            metric=request.GET.get("metric", ""), key=request.GET.get("key", ""),
            since=date.fromisoformat(request.GET.get("from", "")), until=date.fromisoformat(request.GET.get("to", "")),
            collector=int(request.GET["collector"]) if request.GET.get("collector") else None,
            arm=request.GET.get("arm"),
        )  # fmt: skip
        page = max(int(request.GET.get("page", "1")), 1)
        result = drilldown.drill_down(drill=target, report=report, page=page)
    except (ValueError, NotFound) as exc:
        raise Http404(str(exc)) from exc
    params = request.GET.copy()
    params["page"] = str(page + 1)
    has_next = page * drilldown.PAGE_SIZE < result.count
    context = {
        "drill": target, "result": result, "amount": number_format(result.amount, 2, force_grouping=True),
        "next_url": f"?{params.urlencode()}" if has_next else "", "page": page,
    }  # fmt: skip
    return TemplateResponse(request, "desk/reporting/drill.html", context)


@login_required
@require_GET
def export(request: HttpRequest, name: str) -> HttpResponse:
    _require_reports(request)
    file_format = request.GET.get("format", "csv")
    if file_format not in exports.FORMATS or (name not in DASHBOARDS and name not in KPIS):
        raise Http404(_("There is no such export."))
    _form, report = _report(request)
    tables = run_dashboard(name, report) if name in DASHBOARDS else [run_kpi(name, report)]
    response = HttpResponse(
        exports.export_tables(tables, file_format=file_format),
        content_type=exports.CONTENT_TYPES[file_format],
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-{report.since}-{report.until}.{file_format}"'
    )
    return response
