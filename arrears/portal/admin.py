"""Admin for support staff: links debtors opened, identity-check attempts, lockouts; withdraw links or unlock.

Staff who may lift contact restrictions (supervisors, compliance officers, administrators) see
these and use the two actions; nothing is added or edited by hand.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from arrears.people.admin import may_use_admin
from arrears.people.roles import Capability
from arrears.portal import access
from arrears.portal.models import DebtorAccess, IdentityAttempt, PortalLink
from arrears.portfolio.models import Debtor


def _may_manage(request: HttpRequest) -> bool:
    user: Any = request.user
    return may_use_admin(user) and user.can(Capability.LIFT_CONTACT_RESTRICTIONS)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_manage(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _may_manage(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _debtors(queryset: QuerySet[Any]) -> list[Debtor]:
    ids = set(queryset.values_list("debtor_id", flat=True))
    return list(Debtor.objects.filter(pk__in=ids).select_related("portfolio").order_by("pk"))


@admin.action(description=gettext_lazy("Withdraw every link these debtors were given so far"))
def withdraw_links(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]) -> None:
    for debtor in _debtors(queryset):
        access.revoke_links(debtor=debtor, now=timezone.now(), actor=request.user, reason="admin")


@admin.action(description=gettext_lazy("Unlock these debtors now"))
def unlock(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]) -> None:
    for debtor in _debtors(queryset):
        access.unlock(debtor=debtor, now=timezone.now(), actor=request.user, reason="admin")


@admin.register(PortalLink)
class PortalLinkAdmin(ReadOnlyAdmin):
    list_display = ["token_id", "debtor", "issued_at", "expires_at", "used_at"]
    list_select_related = ["debtor"]
    search_fields = ["token_id", "debtor__external_ref"]
    actions = [withdraw_links]


@admin.register(DebtorAccess)
class DebtorAccessAdmin(ReadOnlyAdmin):
    list_display = ["debtor", "failed_attempts", "locked_until", "links_valid_after"]
    list_select_related = ["debtor"]
    search_fields = ["debtor__external_ref"]
    actions = [withdraw_links, unlock]


@admin.register(IdentityAttempt)
class IdentityAttemptAdmin(ReadOnlyAdmin):
    list_display = ["debtor", "link", "succeeded", "attempted_at"]
    list_select_related = ["debtor", "link"]
    list_filter = ["succeeded"]
