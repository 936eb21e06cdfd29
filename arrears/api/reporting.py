"""API: reporting: dashboards, drill-down and exports."""

from ninja import Router

router = Router(tags=["reporting"])
