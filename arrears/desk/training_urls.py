"""Training: course, practice scenarios, quiz."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
