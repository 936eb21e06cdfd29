"""Message templates on the desk: the list, editing a new draft, previewing against a debt, approving."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from arrears.comms import queries as comms_queries
from arrears.comms import templates, templating
from arrears.comms.models import MessageChannel, Purpose, Template
from arrears.core import errors
from arrears.desk.views import HtmxHttpRequest, refusals_as_http, today_in


class NewTemplateForm(forms.Form):
    purpose = forms.ChoiceField(label=gettext_lazy("Purpose"), choices=Purpose.choices)
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=MessageChannel.choices)
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES)
    stage = forms.CharField(label=gettext_lazy("Stage"), max_length=20, required=False,
                            help_text=gettext_lazy("Empty: every stage."))  # fmt: skip


class TemplateTextForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200, required=False)
    body = forms.CharField(label=gettext_lazy("Text"), widget=forms.Textarea(attrs={"rows": 14}))
    debt_reference = forms.CharField(label=gettext_lazy("Preview for debt (reference)"), max_length=64,
                                     required=False)  # fmt: skip


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You may not do this to templates."))


@login_required
@require_GET
def templates_list(request: HttpRequest) -> HttpResponse:
    context = {
        "rows": comms_queries.list_templates(),
        "form": NewTemplateForm(),
        "may_write": templates.may_write_templates(request.user),
    }
    return TemplateResponse(request, "desk/templates_list.html", context)


@login_required
@require_POST
def create_template(request: HttpRequest) -> HttpResponse:
    _require(templates.may_write_templates(request.user))
    form = NewTemplateForm(request.POST)
    if not form.is_valid():
        context = {"rows": comms_queries.list_templates(), "form": form, "may_write": True}
        return TemplateResponse(request, "desk/templates_list.html", context, status=400)
    template = templates.create_template(actor=request.user, now=timezone.now(), **form.cleaned_data)
    return redirect("desk:template_edit", template_id=template.pk)


@login_required
@require_http_methods(["GET", "POST"])
@refusals_as_http
def template_edit(request: HtmxHttpRequest, template_id: int) -> HttpResponse:
    template = comms_queries.get_template(template_id=template_id)
    if request.method == "GET":
        return _edit_page(request, template, TemplateTextForm(initial=_latest_text(template)))
    form = TemplateTextForm(request.POST)
    if "preview" in request.POST:
        return _preview(request, template, form)
    _require(templates.may_write_templates(request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            version = templates.save_version(template=template, subject=data["subject"], body=data["body"],
                                             actor=request.user, now=timezone.now())  # fmt: skip
        except templates.TemplateRefused as exc:
            form.add_error("body", exc.problems)
        else:
            messages.success(request, _("Version %(number)d saved as a draft.") % {"number": version.number})
            return redirect("desk:template_edit", template_id=template.pk)
    return _edit_page(request, template, form, status=400)


@login_required
@require_POST
@refusals_as_http
def approve_template_version(request: HttpRequest, version_id: int) -> HttpResponse:
    _require(templates.may_approve_templates(request.user))
    return _decide(request, version_id, templates.approve_version, _("Version approved."))


@login_required
@require_POST
@refusals_as_http
def retire_template_version(request: HttpRequest, version_id: int) -> HttpResponse:
    _require(templates.may_approve_templates(request.user))
    return _decide(request, version_id, templates.retire_version, _("Version retired."))


def _decide(request: HttpRequest, version_id: int, action: Any, done: str) -> HttpResponse:
    try:
        version = action(version_id=version_id, actor=request.user, now=timezone.now())
    except templates.VersionNotDraft as exc:
        messages.error(request, str(exc))
        return redirect("desk:templates")
    messages.success(request, done)
    return redirect("desk:template_edit", template_id=version.template_id)


def _preview(request: HtmxHttpRequest, template: Template, form: TemplateTextForm) -> HttpResponse:
    shown = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            debt = comms_queries.get_debt_by_reference(user=request.user, reference=data["debt_reference"])
            shown = templates.preview(
                subject=data["subject"], body=data["body"], channel=template.channel, language=template.language,
                debt=debt, as_of=today_in(debt.portfolio),
            )  # fmt: skip
        except templates.TemplateRefused as exc:
            form.add_error("body", exc.problems)
        except errors.DomainError as exc:
            form.add_error("debt_reference", str(exc))
    partial = "desk/template_edit.html#preview-panel" if request.htmx else "desk/template_edit.html"
    return _edit_page(request, template, form, preview=shown, template_name=partial)


def _edit_page(
    request: HttpRequest, template: Template, form: TemplateTextForm, *, status: int = 200,
    preview: templates.Preview | None = None, template_name: str = "desk/template_edit.html",
) -> HttpResponse:  # fmt: skip
    context = {
        "template": template,
        "versions": list(template.versions.select_related("created_by", "approved_by").order_by("-number")),
        "form": form,
        "preview": preview,
        "catalog": _catalog_rows(get_language() or "en"),
        "may_write": templates.may_write_templates(request.user),
        "may_approve": templates.may_approve_templates(request.user),
    }
    return TemplateResponse(request, template_name, context, status=status)


def _catalog_rows(language: str) -> list[tuple[str, str, Any, str]]:
    """Return (name, type, example, meaning) of every variable in the reader's language."""
    is_chinese = templating.language_key(language) == "zh"
    return [
        (variable.name, variable.type, templating.display_value(variable.example(language), language),
         variable.description_zh if is_chinese else variable.description_en)
        for variable in templating.CATALOG
    ]  # fmt: skip


def _latest_text(template: Template) -> dict[str, str]:
    latest = template.versions.order_by("-number").first()
    return {"subject": latest.subject, "body": latest.body} if latest is not None else {}
