"""Admin for training: material added as checked YAML (never edited in place), sessions, attempts and
certifications read-only, each portfolio's certification rule.

Adding a course, scenario or quiz goes through ``content.save_material``: the file is checked whole
and each problem is shown with its line; nothing is stored until there is none. Quality managers
(the manage_quality capability) add material here or on the desk's training pages.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from arrears.people.admin import RoleAdmin, may_use_admin
from arrears.portfolio.admin import ReadOnlyAdmin
from arrears.training import content
from arrears.training.models import (
    Certification,
    Material,
    MaterialKind,
    PracticeSession,
    QuizAttempt,
    TrainingPolicy,
)


class MaterialForm(forms.ModelForm):
    """A new version: its kind and the YAML, checked before anything is stored."""

    source = forms.CharField(
        label=gettext_lazy("File (YAML)"), strip=False,
        widget=forms.Textarea(attrs={"rows": 28, "spellcheck": "false"}),
    )  # fmt: skip

    class Meta:
        model = Material
        fields = ("kind", "source")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind, source = cleaned.get("kind"), cleaned.get("source")
        if kind in MaterialKind.values and source:
            try:
                content.check_material(kind=kind, source=source)
            except content.InvalidMaterial as exc:
                self.add_error("source", [forms.ValidationError(problem) for problem in exc.problems])
        return cleaned


@admin.register(Material)
class MaterialAdmin(RoleAdmin):
    """Versions are added whole and never changed; the newest of each name is active."""

    form = MaterialForm
    list_display = ("kind", "slug", "version", "is_active", "created_at", "created_by")
    list_filter = ("kind", "is_active")
    search_fields = ("slug",)
    ordering = ("kind", "slug", "-version")
    readonly_fields = ("slug", "version", "is_active", "created_at", "created_by")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return (
            ("kind", "source")
            if obj is None
            else ("kind", "slug", "version", "is_active", "created_at", "created_by", "source")
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return () if obj is None else self.get_fields(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may_use_admin(request.user) and content.may_manage(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = content.save_material(
            kind=form.cleaned_data["kind"],
            source=form.cleaned_data["source"],
            actor=request.user,
            now=timezone.now(),
        )
        for field in Material._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False


class RecordAdmin(RoleAdmin):
    """Rows written only by the training actions: viewable, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PracticeSession)
class PracticeSessionAdmin(RecordAdmin):
    list_display = ("user", "scenario", "language", "status", "outcome", "score", "passed", "started_at")
    list_filter = ("status", "passed", "outcome")
    readonly_fields = (
        "user",
        "scenario",
        "language",
        "node",
        "status",
        "outcome",
        "score",
        "passed",
        "marks",
        "started_at",
        "finished_at",
    )
    fields = readonly_fields


@admin.register(QuizAttempt)
class QuizAttemptAdmin(RecordAdmin):
    list_display = ("user", "quiz", "correct", "total", "percent", "passed", "submitted_at")
    list_filter = ("passed",)
    readonly_fields = ("user", "quiz", "answers", "correct", "total", "percent", "passed", "submitted_at")
    fields = readonly_fields


@admin.register(Certification)
class CertificationAdmin(RecordAdmin):
    """Granted by passing; revoked on the desk's team page or through the API."""

    list_display = ("user", "granted_at", "valid_until", "revoked_at", "revoked_by")
    list_filter = ("valid_until",)
    readonly_fields = (
        "user",
        "attempt",
        "granted_at",
        "valid_until",
        "revoked_at",
        "revoked_by",
        "revoke_reason",
    )
    fields = readonly_fields


@admin.register(TrainingPolicy)
class TrainingPolicyAdmin(ReadOnlyAdmin):
    """Read here; a quality manager changes it on the team page (``certification.set_policy``, audited)."""

    list_display = ("portfolio", "certification_required", "updated_at", "updated_by")
    fields = list_display
    readonly_fields = list_display
