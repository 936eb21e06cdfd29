"""Admin for quality: read-only lists of scorecards, samples, reviews and coaching tasks, scoped to the user.

Changes go through the quality pages and API, where each is validated and audited; the admin is for
looking things up.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from arrears.people.scoping import scope_to_user
from arrears.quality.models import CoachingTask, QualityReview, SampleRun, Scorecard


class ReadOnlyScopedAdmin(admin.ModelAdmin):
    """Lists rows of the user's portfolios; nothing is added, changed or deleted here."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return scope_to_user(super().get_queryset(request), request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Scorecard)
class ScorecardAdmin(ReadOnlyScopedAdmin):
    list_display = ("portfolio", "version", "is_active", "note", "created_by", "created_at")
    list_filter = ("is_active", "portfolio")


@admin.register(SampleRun)
class SampleRunAdmin(ReadOnlyScopedAdmin):
    list_display = ("portfolio", "business_date", "rate", "contacts", "drawn", "created_at")
    list_filter = ("portfolio",)
    date_hierarchy = "business_date"


@admin.register(QualityReview)
class QualityReviewAdmin(ReadOnlyScopedAdmin):
    list_display = (
        "pk",
        "portfolio",
        "collector",
        "contact_at",
        "status",
        "percent",
        "passed",
        "reviewed_by",
    )
    list_filter = ("status", "passed", "portfolio")
    raw_id_fields = ("activity", "case")


@admin.register(CoachingTask)
class CoachingTaskAdmin(ReadOnlyScopedAdmin):
    list_display = ("pk", "portfolio", "collector", "supervisor", "status", "created_at", "closed_at")
    list_filter = ("status", "portfolio")
