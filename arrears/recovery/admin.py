"""Admin for recovery: each portfolio's visit and referral settings, the agencies; the rest read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from arrears.core.audit.actions import record_event
from arrears.people.admin import RoleAdmin
from arrears.portfolio.admin import ReadOnlyAdmin, ScopedAdmin
from arrears.recovery.models import (
    Agency,
    LegalReferral,
    PlaceKind,
    Placement,
    RecoverySettings,
    Visit,
    WriteOff,
)
from arrears.recovery.placements import EXPORT_FIELDS


class RecoverySettingsForm(forms.ModelForm):
    class Meta:
        model = RecoverySettings
        fields = ["portfolio", "forbidden_places", "two_person_rule", "identification_required", "legal_min_balance",
                  "limitation_years"]  # fmt: skip

    def clean_forbidden_places(self) -> list[str]:
        places = self.cleaned_data.get("forbidden_places") or []
        if not isinstance(places, list) or any(place not in PlaceKind.values for place in places):
            raise forms.ValidationError(
                _("List kinds of place from: %(kinds)s.") % {"kinds": ", ".join(PlaceKind.values)}
            )
        return places


@admin.register(RecoverySettings)
class RecoverySettingsAdmin(ScopedAdmin):
    form = RecoverySettingsForm
    list_display = (
        "portfolio",
        "two_person_rule",
        "identification_required",
        "legal_min_balance",
        "limitation_years",
    )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


class AgencyForm(forms.ModelForm):
    class Meta:
        model = Agency
        fields = ["code", "name", "commission_rate", "entitled_fields", "is_active"]

    def clean_entitled_fields(self) -> list[str]:
        fields = self.cleaned_data.get("entitled_fields") or []
        if not isinstance(fields, list) or any(field not in EXPORT_FIELDS for field in fields):
            raise forms.ValidationError(
                _("List fields an agency may receive, from: %(fields)s.")
                % {"fields": ", ".join(EXPORT_FIELDS)}
            )
        return fields


@admin.register(Agency)
class AgencyAdmin(RoleAdmin):
    form = AgencyForm
    list_display = ("code", "name", "commission_rate", "entitled_fields", "is_active")

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_at = timezone.now()
        super().save_model(request, obj, form, change)
        record_event(actor=request.user, action=f"admin.{'change' if change else 'add'}_agency", target=obj,
                     now=timezone.now(), after={"fields": sorted(form.changed_data)})  # fmt: skip


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    portfolio_path = "case__portfolio"
    list_display = ("case", "agent", "scheduled_for", "place_kind", "status", "outcome")
    list_filter = ("status", "outcome", "place_kind")


@admin.register(LegalReferral)
class LegalReferralAdmin(ReadOnlyAdmin):
    portfolio_path = "case__portfolio"
    list_display = ("case", "status", "balance", "currency", "referred_at", "court_case_number")
    list_filter = ("status",)


@admin.register(Placement)
class PlacementAdmin(ReadOnlyAdmin):
    portfolio_path = "case__portfolio"
    list_display = ("case", "agency", "status", "commission_rate", "placed_at", "recalled_at")
    list_filter = ("status", "agency")


@admin.register(WriteOff)
class WriteOffAdmin(ReadOnlyAdmin):
    portfolio_path = "case__portfolio"
    list_display = ("case", "status", "closure_reason", "amount", "currency", "requested_at", "decided_at")
    list_filter = ("status", "closure_reason")
