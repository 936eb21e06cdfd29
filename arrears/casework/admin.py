"""Admin for guided scripts: edited by managers (supervisors, strategy managers, administrators), linted on save.

Anyone who may open the admin sees the scripts; managers add and change them. A script whose text
(body or listening prompts) breaks a BLOCK rule of the content linter is refused with the rule and
the offending words; every save is audited.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from arrears.casework import scripts
from arrears.casework.models import Script
from arrears.core.audit.actions import record_event
from arrears.people.admin import may_use_admin
from arrears.people.roles import Role

MANAGER_ROLES = frozenset({Role.SUPERVISOR, Role.STRATEGY_MANAGER, Role.ADMINISTRATOR})


def may_edit_scripts(user: Any) -> bool:
    """Return whether ``user`` may add and change guided scripts (a manager who may use the admin)."""
    return may_use_admin(user) and (bool(user.is_superuser) or user.role in MANAGER_ROLES)


class ScriptForm(forms.ModelForm):
    language = forms.ChoiceField(
        label=gettext_lazy("language"), choices=[("en", "English"), ("zh-hans", "简体中文")]
    )
    prompts = forms.JSONField(
        label=gettext_lazy("listening prompts"), required=False,
        help_text=gettext_lazy('A list of short texts, e.g. ["Did they simply forget?"].'),
    )  # fmt: skip

    class Meta:
        model = Script
        fields = ["stage", "situation", "language", "title", "body", "prompts", "is_active"]

    def clean_prompts(self) -> list[str]:
        prompts = self.cleaned_data.get("prompts") or []
        if not isinstance(prompts, list) or not all(isinstance(item, str) for item in prompts):
            raise forms.ValidationError(_("Give the listening prompts as a list of texts."))
        return prompts

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text = "\n".join([data.get("body", ""), *data.get("prompts", [])])
        if text.strip():
            result = scripts.lint_script(text)
            blocked = [hit for hit in result.hits if hit.severity == "BLOCK"]
            if blocked:
                raise forms.ValidationError(
                    [
                        _("%(rule)s %(title)s: “%(words)s”")
                        % {
                            "rule": hit.rule_id,
                            "title": hit.title.get(
                                "zh" if data.get("language", "").startswith("zh") else "en", ""
                            ),
                            "words": hit.matched,
                        }
                        for hit in blocked
                    ]
                )
        return data


@admin.register(Script)
class ScriptAdmin(admin.ModelAdmin):
    form = ScriptForm
    list_display = ["title", "situation", "stage", "language", "is_active", "updated_at", "updated_by"]
    list_filter = ["situation", "language", "is_active", "stage"]
    search_fields = ["title", "body"]
    readonly_fields = ["updated_at", "updated_by"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_use_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_use_admin(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may_edit_scripts(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_edit_scripts(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: Script, form: Any, change: bool) -> None:
        obj.updated_at, obj.updated_by = timezone.now(), request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        record_event(
            actor=request.user, action="casework.change_script" if change else "casework.add_script", target=obj,
            now=obj.updated_at, after={"fields": sorted(form.changed_data), "situation": obj.situation,
                                       "stage": obj.stage, "language": obj.language},
        )  # fmt: skip
