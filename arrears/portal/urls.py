"""The debtor portal's pages."""

from django.urls import URLPattern

app_name = "portal"

urlpatterns: list[URLPattern] = []
