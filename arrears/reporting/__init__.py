"""Reporting: KPI queries over history (columnar), dashboards' data and exports."""
