"""Reporting: dashboards, drill-down and exports."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
