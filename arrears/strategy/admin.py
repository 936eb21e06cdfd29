"""Admin for strategies: versions saved and activated through ``versions``, cycle settings, cycle runs.

A strategy version is pasted or uploaded, checked (every problem shown with its line and field) and
stored as a draft by ``versions.save_version``; a stored version is never edited or deleted (to
change one, save a new version). Its page shows the file and its difference from the active version
of the same strategy, and activating it goes through ``versions.activate_version``, which checks it
again. Saving and activating are for staff with the strategy-manager or administrator role.
Cycle runs are written only by the cycle and are read-only here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from arrears.core.errors import DomainError
from arrears.engine.strategy import InvalidStrategy, default_strategy, load_strategy
from arrears.people.admin import RoleAdmin, may_use_admin
from arrears.people.roles import Capability
from arrears.portfolio.admin import ReadOnlyAdmin, RoleInline, ScopedAdmin
from arrears.strategy import versions
from arrears.strategy.models import CyclePartition, CycleRun, CycleSettings, StrategyVersion, VersionStatus

MAX_UPLOAD_BYTES = 1_000_000


def may_manage_strategies(user: Any) -> bool:
    """Return whether ``user`` may save and activate strategy versions and choose a portfolio's strategy."""
    return may_use_admin(user) and (bool(user.is_superuser) or user.can(Capability.MANAGE_STRATEGIES))


def _problems(exc: InvalidStrategy) -> list[forms.ValidationError]:
    """Return one error per problem, each naming the line and the field (as the engine words them)."""
    return [forms.ValidationError(problem, code="invalid_strategy") for problem in exc.problems]


# --- strategy versions -------------------------------------------------------------------------


class StrategyVersionForm(forms.ModelForm):
    """A new version: the YAML pasted or uploaded, checked before anything is stored."""

    source = forms.CharField(
        label=gettext_lazy("Strategy file (YAML)"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 24, "class": "strategy-source", "spellcheck": "false"}),
        help_text=gettext_lazy("Paste the file here, or upload it below."),
    )
    file = forms.FileField(
        label=gettext_lazy("Or upload the file"),
        required=False,
        help_text=gettext_lazy("A .yaml file in UTF-8."),
    )

    class Meta:
        model = StrategyVersion
        fields = ("source", "note")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload, pasted = cleaned.get("file"), cleaned.get("source") or ""
        if upload and pasted.strip():
            raise forms.ValidationError(_("Paste the strategy or upload a file, not both."))
        field = "file" if upload else "source"
        try:
            text = _read_upload(upload) if upload else pasted
        except forms.ValidationError as exc:
            self.add_error(field, exc)
            return cleaned
        if not text.strip():
            self.add_error("source", _("Paste the strategy file or upload it."))
            return cleaned
        try:
            strategy = load_strategy(text)
        except InvalidStrategy as exc:
            self.add_error(field, _problems(exc))
            return cleaned
        if StrategyVersion.objects.filter(name=strategy.strategy, version=strategy.version).exists():
            self.add_error(
                field,
                _("%(strategy)s is already stored; give the file a new version.")
                % {"strategy": strategy.label},
            )
        cleaned["source"] = text
        return cleaned


def _read_upload(upload: Any) -> str:
    """Return the text of an uploaded strategy file.

    :raises forms.ValidationError: when it is too large or not UTF-8 text.
    """
    if upload.size > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(_("The file is larger than 1 MB; a strategy file is much smaller."))
    try:
        return str(upload.read().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise forms.ValidationError(_("The file is not UTF-8 text.")) from exc


@dataclass(frozen=True)
class DiffLine:
    kind: str  # file, hunk, added, removed or same: the CSS class of the line
    text: str


def diff_lines(diff: str) -> list[DiffLine]:
    """Return the lines of a unified diff, each with its kind."""
    lines = []
    for text in diff.splitlines():
        if text.startswith(("---", "+++")):
            kind = "file"
        elif text.startswith("@@"):
            kind = "hunk"
        else:
            kind = {"+": "added", "-": "removed"}.get(text[:1], "same")
        lines.append(DiffLine(kind=kind, text=text))
    return lines


def _comparison(version: StrategyVersion) -> dict[str, Any]:
    """Return what the version's page shows beside it: its difference from the active version."""
    if version.status == VersionStatus.ACTIVE:
        return {"diff_note": _("This is the active version of “%(name)s”.") % {"name": version.name}}
    active = (
        StrategyVersion.objects.filter(name=version.name, status=VersionStatus.ACTIVE).order_by("pk").first()
    )
    if active is not None:
        old_source, old_label = active.source, _("%(version)s (active)") % {"version": active}
    elif version.name == default_strategy().strategy:
        entry = resources.files("arrears.engine").joinpath("strategies", "default.yaml")
        old_source, old_label = (
            entry.read_text(encoding="utf-8"),
            _("default.yaml (shipped, runs while none is active)"),
        )
    else:
        return {
            "diff_note": _("No version of “%(name)s” is active; there is nothing to compare with.")
            % {"name": version.name}
        }
    diff = versions.diff_versions(old_source, version.source, old_label=old_label, new_label=str(version))
    note = _("Compared with %(active)s.") if diff else _("Identical to %(active)s.")
    return {"diff_note": note % {"active": old_label}, "diff_lines": diff_lines(diff)}


@admin.register(StrategyVersion)
class StrategyVersionAdmin(RoleAdmin):
    """Versions are immutable: added through ``save_version``, activated, never changed or deleted."""

    change_form_template = "admin/strategy/strategyversion/change_form.html"
    list_display = ("name", "version", "status", "created_at", "activated_at")
    list_filter = ("name", "status")
    search_fields = ("name", "version", "note")
    ordering = ("name", "-created_at")
    actions = ("activate_selected",)
    add_fields = ("source", "file", "note")
    view_fields = ("name", "version", "status", "note", "created_at", "created_by", "activated_at")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.view_fields if obj is not None else self.add_fields

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = StrategyVersionForm
        return super().get_form(request, obj, change, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may_manage_strategies(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_activate_permission(self, request: HttpRequest) -> bool:
        return may_manage_strategies(request.user)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = versions.save_version(
            source=form.cleaned_data["source"], actor=request.user, now=timezone.now(),
            note=form.cleaned_data.get("note") or "",
        )  # fmt: skip
        for field in StrategyVersion._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """A version has no related rows to save; ``save_version`` stored it whole."""

    def response_add(
        self, request: HttpRequest, obj: Any, post_url_continue: str | None = None
    ) -> HttpResponse:
        self.message_user(
            request,
            _("Saved %(version)s as a draft. Check the difference below, then activate it.")
            % {"version": obj},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:strategy_strategyversion_change", args=[obj.pk]))

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], add: bool = False, change: bool = False,
        form_url: str = "", obj: Any = None,
    ) -> HttpResponse:  # fmt: skip
        context.update(show_save_and_continue=False, show_save_and_add_another=False)
        if obj is not None:
            context.update(
                _comparison(obj),
                strategy_source=obj.source,
                can_activate=obj.status != VersionStatus.ACTIVE and self.has_activate_permission(request),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self) -> list[URLPattern]:
        activate = path(
            "<path:object_id>/activate/",
            self.admin_site.admin_view(self.activate_view),
            name="strategy_strategyversion_activate",
        )
        return [activate, *super().get_urls()]

    def activate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The change page's Activate button."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_activate_permission(request):
            raise PermissionDenied
        version = self.get_object(request, unquote(object_id))
        if version is None:
            raise Http404
        self._activate(request, version)
        return HttpResponseRedirect(reverse("admin:strategy_strategyversion_change", args=[version.pk]))

    @admin.action(description=gettext_lazy("Activate the selected versions"), permissions=["activate"])
    def activate_selected(self, request: HttpRequest, queryset: QuerySet[StrategyVersion]) -> None:
        chosen = list(queryset.order_by("name", "pk"))
        if len({version.name for version in chosen}) < len(chosen):
            self.message_user(request, _("Choose at most one version of each strategy."), messages.ERROR)
            return
        for version in chosen:
            self._activate(request, version)

    def _activate(self, request: HttpRequest, version: StrategyVersion) -> None:
        if version.status == VersionStatus.ACTIVE:
            self.message_user(
                request,
                _("Nothing to do: %(version)s is already active.") % {"version": version},
                messages.INFO,
            )
            return
        try:
            versions.activate_version(version=version, actor=request.user, now=timezone.now())
        except InvalidStrategy as exc:
            count = len(exc.problems)
            self.message_user(
                request,
                ngettext(
                    "Not activated: %(version)s has %(count)d problem.",
                    "Not activated: %(version)s has %(count)d problems.",
                    count,
                )
                % {"version": version, "count": count},
                messages.ERROR,
            )
            for problem in exc.problems:
                self.message_user(request, problem, messages.ERROR)
            return
        self.message_user(
            request,
            _("Activated %(version)s; the version of “%(name)s” active before, if any, is retired.")
            % {"version": version, "name": version.name},
            messages.SUCCESS,
        )


# --- cycle settings and runs -------------------------------------------------------------------


class CycleSettingsForm(forms.ModelForm):
    class Meta:
        model = CycleSettings
        fields = ("portfolio", "strategy", "run_at", "enabled")
        help_texts = {
            "strategy": gettext_lazy(
                "The name of a strategy with an active version, or “default” for the shipped strategy."
            )
        }

    def clean_strategy(self) -> str:
        name = str(self.cleaned_data["strategy"])
        try:
            versions.get_active_strategy(name)
        except DomainError as exc:
            raise forms.ValidationError(str(exc)) from exc
        except InvalidStrategy as exc:
            raise forms.ValidationError(_problems(exc)) from exc
        return name


@admin.register(CycleSettings)
class CycleSettingsAdmin(ScopedAdmin):
    form = CycleSettingsForm
    list_display = ("portfolio", "strategy", "run_at", "enabled")
    list_filter = ("enabled", "strategy")
    list_select_related = ("portfolio",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may_manage_strategies(request.user) or super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage_strategies(request.user) or super().has_change_permission(request, obj)


def _json_block(value: object) -> str:
    """Return ``value`` as indented JSON in a monospace block."""
    text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    return render_to_string("admin/strategy/includes/json_block.html", {"text": text})


class CyclePartitionInline(RoleInline):
    model = CyclePartition
    fields = ("number", "finished_at", "partition_report")
    readonly_fields = fields
    ordering = ("number",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("report"))
    def partition_report(self, obj: CyclePartition) -> str:
        return _json_block(obj.report)


@admin.register(CycleRun)
class CycleRunAdmin(ReadOnlyAdmin):
    """Runs are written only by the cycle (``arrears cycle run`` and the worker)."""

    list_display = ("portfolio", "business_date", "status", "strategy", "started_at", "finished_at")
    list_filter = ("status", "portfolio")
    list_select_related = ("portfolio",)
    search_fields = ("strategy",)
    ordering = ("-business_date", "portfolio")
    date_hierarchy = "business_date"
    fields = (
        "portfolio", "business_date", "status", "strategy", "partitions", "started_at", "finished_at",
        "started_by", "run_report",
    )  # fmt: skip
    readonly_fields = fields
    inlines = (CyclePartitionInline,)

    @admin.display(description=gettext_lazy("report"))
    def run_report(self, obj: CycleRun) -> str:
        return _json_block(obj.report)
