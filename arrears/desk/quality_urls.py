"""Quality review and coaching."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
