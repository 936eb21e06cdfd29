"""Late stage and recovery: visits, legal referrals, placements, settlement and write-off."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
