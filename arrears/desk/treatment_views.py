"""A debtor's treatment page: each case's stage and why, its stage history, what became of each planned action."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.functional import Promise as LazyText
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from arrears.casework import queries as casework_queries
from arrears.casework.models import ActionOutcome
from arrears.comms.models import MessageChannel, Purpose
from arrears.compliance import messages
from arrears.compliance.rules import reasons
from arrears.desk.views import refusals_as_http, today_in
from arrears.portfolio import queries as portfolio_queries
from arrears.usecases.cycle import actions as cycle_actions

SKIP_EXPLANATIONS: dict[str, LazyText] = {
    cycle_actions.SKIP_NO_CONTACT_POINT: _(
        "No contact point for this channel: none is on file for the debtor, or each one is marked do not contact."
    ),
    cycle_actions.SKIP_NO_TEMPLATE: _(
        "No approved template for this purpose on this channel in the debtor's language."
    ),
}
GOALS: dict[str, LazyText] = {
    "full_payment": _("Full payment"),
    "partial_payment": _("Partial payment"),
    "arrangement": _("Payment arrangement"),
    "verification": _("Verification"),
}
CHANNELS: dict[str, LazyText] = {
    **{channel.value: channel.label for channel in MessageChannel},
    "call": _("Call"),
    "visit": _("Visit"),
    "task": _("Task"),
}
PURPOSES: dict[str, LazyText] = {purpose.value: purpose.label for purpose in Purpose}


@dataclass(frozen=True)
class Explanation:
    """A reason code with what it means in the user's language, the rules it implements and its source."""

    code: str
    text: str
    rules: str
    source: str


@dataclass(frozen=True)
class ActionLine:
    planned: casework_queries.PlannedAction
    channel: str
    template: str
    reasons: list[Explanation]


@dataclass(frozen=True)
class CasePanel:
    treatment: casework_queries.CaseTreatment
    goal: str
    actions: list[ActionLine]


def explain_reason(code: str, outcome: str) -> Explanation:
    """Explain a refusal's compliance code (with its rules and source) or a skip's code."""
    if outcome == ActionOutcome.SKIPPED:
        return Explanation(code, str(SKIP_EXPLANATIONS.get(code, code)), "", "")
    reason = reasons.get_reason(code)
    return Explanation(
        code,
        messages.explain(code),
        ", ".join(reason.rules) if reason else "",
        reason.source if reason else "",
    )


def _line(planned: casework_queries.PlannedAction) -> ActionLine:
    action = planned.action
    return ActionLine(
        planned=planned,
        channel=str(CHANNELS.get(action.channel, action.channel)),
        template=str(PURPOSES.get(action.template, action.template)),
        reasons=[explain_reason(str(code), action.outcome) for code in action.reasons],
    )


def _panel(treatment: casework_queries.CaseTreatment) -> CasePanel:
    goal = treatment.case.goal
    return CasePanel(
        treatment=treatment,
        goal=str(GOALS.get(goal, goal)),
        actions=[_line(planned) for planned in treatment.actions],
    )


@login_required
@require_GET
@refusals_as_http
def debtor_treatment(request: HttpRequest, debtor_id: int) -> HttpResponse:
    debtor = portfolio_queries.get_debtor(user=request.user, debtor_id=debtor_id)
    treatments = casework_queries.list_case_treatments(debtor=debtor, as_of=today_in(debtor.portfolio))
    context = {
        "debtor": debtor,
        "panels": [_panel(treatment) for treatment in treatments],
        "window_days": casework_queries.ACTIONS_WINDOW_DAYS,
    }
    return TemplateResponse(request, "desk/treatment.html", context)
