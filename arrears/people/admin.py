"""Admin for users, teams and API tokens; access comes from roles (``Capability.USE_ADMIN``).

Any staff user whose role carries ``USE_ADMIN`` may open the admin and view what their portfolios
hold; changing data needs Django's model permission or the administrator role. Users, teams and
tokens are visible to managers only (administrators, superusers, or holders of the model permission).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from arrears.people.models import ApiToken, Team, User
from arrears.people.roles import Capability


def may_use_admin(user: Any) -> bool:
    """Return whether ``user`` may open the admin at all."""
    return bool(user.is_active and user.is_staff and user.can(Capability.USE_ADMIN))


def may_manage(user: Any) -> bool:
    """Return whether ``user`` may change any data in the admin (the administrator role or a superuser)."""
    return may_use_admin(user) and bool(user.can(Capability.MANAGE_DATA))


class RoleAdmin(admin.ModelAdmin):
    """View for ``USE_ADMIN``; add, change and delete for managers or holders of the model permission."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_use_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_use_admin(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may_manage(request.user) or super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage(request.user) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage(request.user) or super().has_delete_permission(request, obj)


class ManagerOnlyAdmin(RoleAdmin):
    """Only managers see these models at all."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_manage(request.user) or admin.ModelAdmin.has_view_permission(self, request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage(request.user) or admin.ModelAdmin.has_view_permission(self, request, obj)


@admin.register(User)
class UserAdmin(ManagerOnlyAdmin, DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "team", "is_staff", "is_active")
    list_filter = ("role", "team", "is_staff", "is_active")
    filter_horizontal = ("portfolios", "groups", "user_permissions")
    fieldsets = (  # type: ignore[misc]
        *DjangoUserAdmin.fieldsets,
        (
            _("Role and authority"),
            {"fields": ("role", "team", "skills", "portfolios", "max_waiver_amount", "max_plan_months")},
        ),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Role and authority"), {"fields": ("role", "team", "portfolios")}),
    )


@admin.register(Team)
class TeamAdmin(ManagerOnlyAdmin):
    list_display = ("name", "supervisor")
    search_fields = ("name",)
    autocomplete_fields = ("supervisor",)


@admin.register(ApiToken)
class ApiTokenAdmin(ManagerOnlyAdmin):
    """Tokens are issued by ``people.tokens.issue_token``; only their hash is stored, so nothing is editable."""

    list_display = ("user", "name", "created_at", "revoked_at")
    list_filter = ("revoked_at",)
    readonly_fields = ("user", "name", "token_hash", "created_at", "revoked_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
