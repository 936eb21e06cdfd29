"""The scorecard editor: managers change a portfolio's scorecard without code (MANAGE_QUALITY).

The form is a table of items (key, labels, section, weight, critical, n/a allowed, evidence) with a
few empty rows to add items; a row without a key is dropped. While the manager types, htmx posts
the form to ``validate_scorecard`` and shows the weights' total and every problem; saving runs the
same validation in the domain and saves a new version only when there is none.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from arrears.desk.views import refusals_as_http
from arrears.people.roles import Capability
from arrears.quality import scorecards, scoring
from arrears.quality.elements import ELEMENT_KEYS
from arrears.quality.models import Scorecard

EMPTY_ROWS = 3
ITEM_FIELDS = ("key", "label_en", "label_zh", "section", "weight", "guidance_en", "guidance_zh", "evidence")
EVIDENCE_CHOICES = (*ELEMENT_KEYS, "linter:block", "linter:review")


def _require_manager(request: HttpRequest) -> None:
    if not request.user.can(Capability.MANAGE_QUALITY):  # type: ignore[union-attr]
        raise PermissionDenied(_("Only a quality manager may change a scorecard."))


@login_required
@require_GET
def scorecard_list(request: HttpRequest) -> HttpResponse:
    """Each portfolio with its active scorecard version."""
    if not (request.user.can(Capability.MANAGE_QUALITY) or request.user.can(Capability.REVIEW_QUALITY)):  # type: ignore[union-attr]
        raise PermissionDenied(_("You may not use the quality review."))
    rows = scorecards.list_scorecard_portfolios(user=request.user)
    return TemplateResponse(request, "desk/quality/scorecards.html", {"rows": rows})


def data_from_post(post: QueryDict, *, sections: list[dict[str, str]]) -> dict[str, Any]:
    """Read the editor's fields into scorecard data (``scoring.spec_from_data`` shape); empty rows are dropped."""
    count = int(post.get("rows") or 0) if (post.get("rows") or "").isdigit() else 0
    items = []
    for index in range(min(count, 200)):
        row = {name: (post.get(f"{name}-{index}") or "").strip() for name in ITEM_FIELDS}
        if not row["key"]:
            continue
        items.append(
            {
                **row,
                "evidence": [name for name in post.getlist(f"evidence-{index}") if name in EVIDENCE_CHOICES],
                "critical": post.get(f"critical-{index}") == "on",
                "allows_not_applicable": post.get(f"na-{index}") == "on",
            }
        )
    return {
        "pass_percent": (post.get("pass_percent") or "").strip(),
        "coaching_percent": (post.get("coaching_percent") or "").strip(),
        "sections": sections,
        "items": items,
    }


def _check(data: dict[str, Any]) -> dict[str, Any]:
    """Return the weights' total and the problems of ``data``, worded for the page."""
    total = Decimal(0)
    for item in data["items"]:
        try:
            total += Decimal(item["weight"] or "0")
        except InvalidOperation:
            continue
    try:
        problems = scoring.validate_spec(scoring.spec_from_data(data))
    except scoring.InvalidSpec as exc:
        problems = list(exc.problems)
    return {"total": total, "problems": [scorecards.describe(problem) for problem in problems]}


def _editor(
    request: HttpRequest,
    portfolio_id: int,
    *,
    data: dict[str, Any] | None,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    portfolio = scorecards.get_portfolio(user=request.user, portfolio_id=portfolio_id)
    active = Scorecard.objects.filter(portfolio=portfolio, is_active=True).first()
    data = data or (active.spec if active else scoring.spec_to_data(scoring.default_spec()))
    items = list(data["items"]) + [dict.fromkeys(ITEM_FIELDS, "") for _ in range(EMPTY_ROWS)]
    context = {
        "portfolio": portfolio,
        "active": active,
        "data": data,
        "items": items,
        "row_count": len(items),
        "evidence_choices": EVIDENCE_CHOICES,
        "check": _check(data),
        "error": error,
        "versions": Scorecard.objects.filter(portfolio=portfolio)
        .select_related("created_by")
        .order_by("-version")[:10],
    }
    return TemplateResponse(request, "desk/quality/scorecard_edit.html", context, status=status)


def _sections(portfolio_id: int) -> list[dict[str, str]]:
    active = Scorecard.objects.filter(portfolio_id=portfolio_id, is_active=True).first()
    return list((active.spec if active else scoring.spec_to_data(scoring.default_spec()))["sections"])


@login_required
@require_http_methods(["GET", "POST"])
@refusals_as_http
def scorecard_edit(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    """Edit a portfolio's scorecard; saving makes a new active version."""
    _require_manager(request)
    if request.method == "GET":
        return _editor(request, portfolio_id, data=None)
    portfolio = scorecards.get_portfolio(user=request.user, portfolio_id=portfolio_id)
    data = data_from_post(request.POST, sections=_sections(portfolio.pk))
    try:
        card = scorecards.save_scorecard(
            portfolio=portfolio,
            data=data,
            actor=request.user,
            now=timezone.now(),
            note=request.POST.get("note", ""),
        )
    except scorecards.InvalidScorecard as exc:
        return _editor(request, portfolio_id, data=data, status=400, error=str(exc))
    messages.success(
        request, _("Scorecard version %(version)d saved and active.") % {"version": card.version}
    )
    return redirect("desk:quality_scorecard", portfolio_id=portfolio.pk)


@login_required
@require_POST
@refusals_as_http
def validate_scorecard(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    """The editor's live check (htmx): the weights' total and every problem, nothing saved."""
    _require_manager(request)
    portfolio = scorecards.get_portfolio(user=request.user, portfolio_id=portfolio_id)
    data = data_from_post(request.POST, sections=_sections(portfolio.pk))
    return TemplateResponse(request, "desk/quality/scorecard_edit.html#check", {"check": _check(data)})
