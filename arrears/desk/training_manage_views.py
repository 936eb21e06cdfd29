"""Editing the course, the scenarios and the quiz without code (quality managers).

A file is pasted into a text area and saved through ``content.save_material``: it is checked whole
first, and a problem (an unknown target, an unreachable node, a dead end…) is listed with its line
while nothing is stored.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from arrears.desk.views import refusals_as_http
from arrears.training import content
from arrears.training.course import default_text
from arrears.training.models import Material, MaterialKind

STARTERS = {
    MaterialKind.COURSE: "course.yaml",
    MaterialKind.QUIZ: "quiz.yaml",
    MaterialKind.SCENARIO: "scenarios/forgot.yaml",
}


class MaterialForm(forms.Form):
    source = forms.CharField(
        label=gettext_lazy("File (YAML)"), strip=False,
        widget=forms.Textarea(attrs={"rows": 28, "spellcheck": "false", "class": "yaml-source"}),
        help_text=gettext_lazy("Raise the version number to save a new version; the previous one is kept."),
    )  # fmt: skip


def _require_manager(request: HttpRequest) -> None:
    if not content.may_manage(request.user):
        raise PermissionDenied(_("Only quality managers may edit training material."))


def _kind(kind: str) -> MaterialKind:
    if kind not in MaterialKind.values:
        raise Http404(_("No such kind of training material."))
    return MaterialKind(kind)


@login_required
@require_GET
def materials(request: HttpRequest) -> HttpResponse:
    """Every stored file, newest version first per name."""
    _require_manager(request)
    stored = Material.objects.select_related("created_by").order_by("kind", "slug", "-version")
    return TemplateResponse(
        request, "desk/training/materials.html", {"materials": stored, "kinds": MaterialKind.choices}
    )


@login_required
@require_http_methods(["GET", "POST"])
@refusals_as_http
def edit(request: HttpRequest, kind: str, slug: str = "") -> HttpResponse:
    """Show a file's active version (or a starter for a new one) and save a new version."""
    _require_manager(request)
    chosen = _kind(kind)
    current = content.get_material(kind=chosen, slug=slug) if slug else None
    if request.method == "POST":
        form = MaterialForm(request.POST)
        if form.is_valid():
            try:
                saved = content.save_material(
                    kind=chosen, source=form.cleaned_data["source"], actor=request.user, now=timezone.now()
                )
            except content.InvalidMaterial as exc:
                for problem in exc.problems:
                    form.add_error("source", problem)
            else:
                messages.success(
                    request,
                    _("Saved %(name)s version %(version)d; it is now active.")
                    % {"name": saved.slug, "version": saved.version},
                )
                return redirect("desk:training_edit", saved.kind, saved.slug)
        status = 422
    else:
        form = MaterialForm(initial={"source": current.source if current else default_text(STARTERS[chosen])})
        status = 200
    context = {"form": form, "kind": chosen, "current": current}
    return TemplateResponse(request, "desk/training/material_edit.html", context, status=status)
