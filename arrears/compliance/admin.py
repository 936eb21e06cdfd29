"""Admin for compliance: each portfolio's packs and own rules (validated); holds, contacts and refusals read-only.

Holds are placed and lifted on the debtor's contact page (with a reason and an audit event);
contacts and refusals are written only by the contact decision.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from arrears.compliance import policies
from arrears.compliance.models import CompliancePolicy, ContactDecision, ContactEvent, Hold
from arrears.core.errors import DomainError
from arrears.portfolio.admin import ReadOnlyAdmin, ScopedAdmin


class CompliancePolicyForm(forms.ModelForm):
    class Meta:
        model = CompliancePolicy
        fields = ("portfolio", "packs", "overrides", "collector_entity")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            policies.validate_policy(list(cleaned.get("packs") or []), list(cleaned.get("overrides") or []))
        except DomainError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return cleaned


@admin.register(CompliancePolicy)
class CompliancePolicyAdmin(ScopedAdmin):
    form = CompliancePolicyForm
    list_display = ("portfolio", "packs", "collector_entity", "updated_at")
    readonly_fields = ("updated_at",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    portfolio_path = "debtor__portfolio"
    list_display = ("debtor", "type", "debt", "starts_at", "ends_at", "set_by", "lifted_by")
    list_filter = ("type",)
    search_fields = ("debtor__external_ref", "reason")


@admin.register(ContactEvent)
class ContactEventAdmin(ReadOnlyAdmin):
    portfolio_path = "debtor__portfolio"
    list_display = ("debtor", "type", "outcome", "occurred_at", "by_entity", "recorded_by")
    list_filter = ("type", "outcome")
    search_fields = ("debtor__external_ref",)


@admin.register(ContactDecision)
class ContactDecisionAdmin(ReadOnlyAdmin):
    portfolio_path = "debtor__portfolio"
    list_display = ("debtor", "action", "decision", "reasons", "proposed_at", "source", "decided_for")
    list_filter = ("decision", "action", "source")
    search_fields = ("debtor__external_ref",)
