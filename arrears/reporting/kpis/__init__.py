"""The KPIs, by name, and the dashboards that group them."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.utils.translation import gettext_lazy as _

from arrears.core.errors import NotFound
from arrears.reporting.filters import ReportFilter
from arrears.reporting.kpis import activity, portfolio, recovery
from arrears.reporting.tables import Table

KPIS: dict[str, Callable[[ReportFilter], Table]] = {
    "aging": portfolio.aging,
    "roll_rates": portfolio.roll_rates,
    "cure_rate": portfolio.cure_rate,
    "funnel": portfolio.funnel,
    "collected_day": partial(recovery.collected, grain="day"),
    "collected_week": partial(recovery.collected, grain="week"),
    "collected_month": partial(recovery.collected, grain="month"),
    "recovery": recovery.recovery_by_vintage,
    "arms": recovery.arms,
    "contact_rates": activity.contact_rates,
    "costs": activity.cost_per_collected,
    "collectors": activity.collectors,
    "refusals": activity.refusals,
}

DASHBOARDS: dict[str, tuple[object, tuple[str, ...]]] = {
    "portfolio": (_("Portfolio"), ("aging", "roll_rates", "cure_rate", "funnel")),
    "collections": (
        _("Collections"),
        ("collected_day", "collected_week", "collected_month", "recovery", "costs"),
    ),
    "contacts": (_("Contacts and promises"), ("contact_rates", "refusals")),
    "collectors": (_("Collectors"), ("collectors",)),
    "arms": (_("Champion and challenger"), ("arms",)),
}


def run_kpi(name: str, report: ReportFilter) -> Table:
    """Return the table of the KPI ``name`` under ``report``.

    :raises NotFound: when there is no such KPI.
    """
    if name not in KPIS:
        raise NotFound(_("There is no report named %(name)s.") % {"name": name})
    return KPIS[name](report)


def run_dashboard(name: str, report: ReportFilter) -> list[Table]:
    """Return the tables of the dashboard ``name``.

    :raises NotFound: when there is no such dashboard.
    """
    if name not in DASHBOARDS:
        raise NotFound(_("There is no dashboard named %(name)s.") % {"name": name})
    return [KPIS[kpi](report) for kpi in DASHBOARDS[name][1]]
