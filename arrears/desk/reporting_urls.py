"""Reporting: dashboards, drill-down and exports."""

from django.urls import URLPattern, path

from arrears.desk import reporting_views

urlpatterns: list[URLPattern] = [
    path("reports/", reporting_views.reports_home, name="reports"),
    path("reports/drill/", reporting_views.drill, name="report_drill"),
    path("reports/export/<slug:name>/", reporting_views.export, name="report_export"),
    path("reports/<slug:name>/", reporting_views.dashboard, name="report_dashboard"),
]
