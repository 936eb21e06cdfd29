"""Admin for the audit log: read-only, scoped to the portfolios a user may see."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from arrears.core.audit.models import AuditEvent

# The core sits below the people app, so it asks the user object by capability name
# (``User.can`` accepts the string values of ``people.roles.Capability``).
READ_AUDIT = "read_audit"
SEE_ALL_PORTFOLIOS = "see_all_portfolios"


def _may_read_audit(user: Any) -> bool:
    return bool(user.is_active and user.is_staff and user.can(READ_AUDIT))


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Audit events are append-only: nobody adds, changes or deletes them here."""

    list_display = (
        "sequence",
        "occurred_at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "portfolio_id",
    )
    list_filter = ("action", "object_type")
    search_fields = ("=object_id", "=actor_label", "action")
    ordering = ("-sequence",)
    date_hierarchy = "occurred_at"
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        events = super().get_queryset(request)
        user: Any = request.user
        if user.is_superuser or user.can(SEE_ALL_PORTFOLIOS):
            return events
        return events.filter(portfolio_id__in=list(user.portfolios.values_list("pk", flat=True)))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _may_read_audit(request.user)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return _may_read_audit(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
