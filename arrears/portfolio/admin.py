"""Admin for portfolio data: scoped to granted portfolios, personal data masked, the ledger append-only.

Every save and delete made here appends an audit event (``admin.change_<model>`` …) naming the
fields changed, never their values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from arrears.core import masking
from arrears.core.audit.actions import record_event
from arrears.core.audit.models import AuditEvent
from arrears.core.errors import DomainError
from arrears.people.admin import RoleAdmin, may_manage, may_use_admin
from arrears.people.roles import Capability
from arrears.people.scoping import scope_to_user
from arrears.portfolio import contact_values
from arrears.portfolio.choices import ContactKind
from arrears.portfolio.models import (
    ContactPerson,
    ContactPoint,
    Debt,
    Debtor,
    DebtorChange,
    Instalment,
    LedgerEntry,
    Payment,
    Portfolio,
)


def sees_personal_data(request: HttpRequest) -> bool:
    user: Any = request.user
    return bool(user.can(Capability.SEE_PERSONAL_DATA))


class ScopedAdmin(RoleAdmin):
    """Rows of granted portfolios only, foreign-key choices likewise, every change audited."""

    portfolio_path = "portfolio"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return scope_to_user(super().get_queryset(request), request.user, portfolio_field=self.portfolio_path)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        scoped = {Portfolio: "pk", Debtor: "portfolio", Debt: "portfolio"}
        if db_field.related_model in scoped:
            queryset = db_field.related_model.objects.all()
            kwargs["queryset"] = scope_to_user(
                queryset, request.user, portfolio_field=scoped[db_field.related_model]
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        verb = "change" if change else "add"
        self._audit(request, obj, verb, after={"fields": sorted(form.changed_data)})

    @transaction.atomic
    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._audit(request, obj, "delete")
        super().delete_model(request, obj)

    def _audit(self, request: HttpRequest, obj: Any, verb: str, after: dict[str, Any] | None = None) -> None:
        record_event(
            actor=request.user,
            action=f"admin.{verb}_{obj._meta.model_name}",
            target=obj,
            now=timezone.now(),
            portfolio_id=self._portfolio_id(obj),
            after=after,
        )

    def _portfolio_id(self, obj: Any) -> int | None:
        current = obj
        for part in self.portfolio_path.split("__"):
            current = getattr(current, part, None)
        return getattr(current, "pk", None)


class ReadOnlyAdmin(ScopedAdmin):
    """Records written only by domain actions (payments, ledger entries): viewable, never edited here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RoleInline(admin.TabularInline):
    """Inline rows follow the same role rule as their parent's admin."""

    extra = 0

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_use_admin(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage(request.user) or super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage(request.user) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage(request.user) or super().has_delete_permission(request, obj)


@admin.register(Portfolio)
class PortfolioAdmin(ScopedAdmin):
    portfolio_path = "pk"
    list_display = ("code", "name", "creditor_name", "country", "default_currency", "time_zone")
    search_fields = ("code", "name", "creditor_name")
    readonly_fields = ("created_at",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_at = timezone.now()
        super().save_model(request, obj, form, change)

    def _portfolio_id(self, obj: Any) -> int | None:
        return int(obj.pk)


class ContactPersonInline(RoleInline):
    model = ContactPerson


class DebtorChangeInline(RoleInline):
    model = DebtorChange
    fields = ("category", "description", "occurred_date", "recorded_at", "recorded_by")
    readonly_fields = ("recorded_at", "recorded_by")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Debtor)
class DebtorAdmin(ScopedAdmin):
    list_display = ("external_ref", "name", "kind", "portfolio", "region", "language")
    list_filter = ("kind", "portfolio")
    search_fields = ("=external_ref", "name")
    list_select_related = ("portfolio",)
    readonly_fields = ("created_at", "updated_at")
    exclude = ("national_id_hash",)
    inlines = (ContactPersonInline, DebtorChangeInline)

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        hidden = ("national_id_hash",)
        return hidden if sees_personal_data(request) else (*hidden, "national_id")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        fields = ("created_at", "updated_at")
        return fields if sees_personal_data(request) else ("masked_national_id", *fields)

    @admin.display(description=_("national ID"))
    def masked_national_id(self, obj: Debtor) -> str:
        return masking.mask_national_id(obj.national_id) if obj.national_id else "—"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        now = timezone.now()
        obj.updated_at = now
        if not change:
            obj.created_at = now
        if "national_id" in form.changed_data:
            obj.national_id = contact_values.normalize_national_id(obj.national_id)
            obj.national_id_hash = (
                contact_values.lookup_hash_for("national_id", obj.national_id) if obj.national_id else None
            )
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for item in formset.save(commit=False):
            if isinstance(item, DebtorChange) and item.pk is None:
                item.recorded_at, item.recorded_by = timezone.now(), request.user
            item.save()
        for item in formset.deleted_objects:
            item.delete()


class ContactPointForm(forms.ModelForm):
    """Normalises the value for its kind (E.164 phones, lower-case e-mails) before it is stored."""

    class Meta:
        model = ContactPoint
        fields = (
            "debtor",
            "contact_person",
            "kind",
            "value",
            "region",
            "time_zones",
            "is_primary",
            "verified",
            "last_verified_at",
            "consent",
            "opt_outs",
            "do_not_contact",
            "source",
        )

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if "value" in self.fields and cleaned.get("value") and cleaned.get("kind") and cleaned.get("debtor"):
            try:
                cleaned["value"] = normalized_value(cleaned["kind"], cleaned["value"], cleaned["debtor"])
            except DomainError as exc:
                self.add_error("value", str(exc))
        return cleaned


def normalized_value(kind: str, raw: str, debtor: Debtor) -> str:
    """Return ``raw`` normalised for a contact point of ``kind``.

    :raises DomainError: when a phone number or e-mail address is not valid.
    """
    if kind == ContactKind.PHONE:
        return contact_values.normalize_phone(raw, debtor.portfolio.country)
    if kind == ContactKind.EMAIL:
        return contact_values.normalize_email(raw)
    return contact_values.normalize_address(raw)


@admin.register(ContactPoint)
class ContactPointAdmin(ScopedAdmin):
    form = ContactPointForm
    portfolio_path = "debtor__portfolio"
    list_display = ("__str__", "debtor", "kind", "is_primary", "verified", "do_not_contact", "source")
    list_filter = ("kind", "verified", "do_not_contact", "source")
    search_fields = ("=debtor__external_ref", "debtor__name")
    list_select_related = ("debtor",)
    raw_id_fields = ("debtor", "contact_person")
    readonly_fields = ("created_at",)

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("value_hash",) if sees_personal_data(request) else ("value_hash", "value")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("created_at",) if sees_personal_data(request) else ("masked_value", "created_at")

    @admin.display(description=_("value"))
    def masked_value(self, obj: ContactPoint) -> str:
        masks: dict[str, Callable[[str], str]] = {"phone": masking.mask_phone, "email": masking.mask_email}
        return masks.get(obj.kind, masking.mask_street)(obj.value) if obj.value else "—"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_at = timezone.now()
        if "value" in form.changed_data or not change:
            obj.value_hash = contact_values.lookup_hash_for(obj.kind, obj.value)
        super().save_model(request, obj, form, change)


class InstalmentInline(RoleInline):
    model = Instalment

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Debt)
class DebtAdmin(ScopedAdmin):
    """Amounts, status and verification change only through domain actions, so they are read-only here."""

    list_display = (
        "external_ref",
        "debtor",
        "portfolio",
        "product",
        "currency",
        "principal",
        "status",
        "due_date",
    )
    list_filter = ("status", "product", "currency", "portfolio")
    search_fields = ("=external_ref", "=debtor__external_ref", "debtor__name")
    list_select_related = ("debtor", "portfolio")
    raw_id_fields = ("debtor",)
    readonly_fields = (
        "portfolio",
        "debtor",
        "currency",
        "principal",
        "status",
        "verified_at",
        "verified_by",
        "import_fingerprint",
        "created_at",
        "updated_at",
    )
    inlines = (InstalmentInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(Instalment)
class InstalmentAdmin(ReadOnlyAdmin):
    portfolio_path = "debt__portfolio"
    list_display = ("debt", "number", "due_date", "principal_due", "interest_due")
    search_fields = ("=debt__external_ref",)
    list_select_related = ("debt",)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "external_ref",
        "debt",
        "amount",
        "currency",
        "received_date",
        "channel",
        "source",
        "posted_by",
    )
    list_filter = ("channel", "source", "currency", "portfolio")
    search_fields = ("=external_ref", "=debt__external_ref")
    list_select_related = ("debt", "posted_by")
    date_hierarchy = "received_date"


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    """The ledger is append-only: corrections are new entries (adjustments), never edits."""

    portfolio_path = "debt__portfolio"
    list_display = ("debt", "effective_date", "kind", "component", "amount", "source", "payment")
    list_filter = ("kind", "component", "source")
    search_fields = ("=debt__external_ref", "=idempotency_key")
    list_select_related = ("debt", "payment")
    date_hierarchy = "effective_date"


@admin.register(DebtorChange)
class DebtorChangeAdmin(ScopedAdmin):
    portfolio_path = "debtor__portfolio"
    list_display = ("debtor", "category", "occurred_date", "recorded_at", "recorded_by")
    list_filter = ("category",)
    search_fields = ("=debtor__external_ref", "debtor__name")
    raw_id_fields = ("debtor",)
    readonly_fields = ("recorded_at", "recorded_by")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.recorded_at, obj.recorded_by = timezone.now(), request.user
        super().save_model(request, obj, form, change)


@admin.register(ContactPerson)
class ContactPersonAdmin(ScopedAdmin):
    portfolio_path = "debtor__portfolio"
    list_display = ("name", "debtor", "role", "title")
    list_filter = ("role",)
    search_fields = ("name", "=debtor__external_ref", "debtor__name")
    raw_id_fields = ("debtor",)


def _may_read_audit(user: Any) -> bool:
    return may_use_admin(user) and bool(user.can(Capability.READ_AUDIT))


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Audit events are append-only: nobody adds, changes or deletes them here.

    Registered here rather than in the core, which sits below the people app and its scoping rule;
    events are scoped by the portfolio they belong to.
    """

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
        return scope_to_user(super().get_queryset(request), request.user, portfolio_field="portfolio_id")

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
