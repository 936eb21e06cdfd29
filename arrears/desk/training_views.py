"""Training pages: the course, practice conversations with a simulated debtor, the quiz, the team's progress.

A practice reply posts with htmx and redraws the conversation in place
(``desk/training/session.html#conversation``); without JavaScript the form posts and the page
redirects back to the conversation.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from arrears.core import errors
from arrears.desk.views import refusals_as_http
from arrears.training import attempts, certification, content, practice, queries, transcript
from arrears.training.texts import language_key


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=gettext_lazy("Your reply"), required=False, max_length=practice.MAX_REPLY,
        widget=forms.Textarea(attrs={"rows": 3, "autofocus": True}),
    )  # fmt: skip
    choice = forms.CharField(required=False, max_length=50, widget=forms.HiddenInput)


class PolicyForm(forms.Form):
    portfolio = forms.IntegerField(widget=forms.HiddenInput)
    required = forms.BooleanField(label=gettext_lazy("Certification required for live work"), required=False)


class RevokeForm(forms.Form):
    user = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)


def _language() -> str:
    return language_key(translation.get_language())


@login_required
@require_GET
@refusals_as_http
def home(request: HttpRequest) -> HttpResponse:
    """The course's lessons, the scenarios with my record, the quiz and my certification."""
    try:
        _material, course = content.active_course()
    except errors.NotFound as exc:
        return TemplateResponse(request, "desk/training/home.html", {"missing": str(exc)}, status=200)
    context = {
        "course": course,
        "language": _language(),
        "progress": queries.get_progress(user=request.user, as_of=timezone.now().date()),
        "may_see_team": queries.may_see_team(request.user),
        "may_manage": content.may_manage(request.user),
    }
    return TemplateResponse(request, "desk/training/home.html", context)


@login_required
@require_GET
@refusals_as_http
def lesson(request: HttpRequest, lesson_id: str) -> HttpResponse:
    """One lesson in the user's language, with examples to say and never to say."""
    _material, course = content.active_course()
    found = course.lesson(lesson_id)
    if found is None:
        raise Http404(_("No such lesson."))
    position = course.lessons.index(found)
    context = {
        "course": course, "lesson": found, "language": _language(),
        "previous": course.lessons[position - 1] if position else None,
        "next": course.lessons[position + 1] if position + 1 < len(course.lessons) else None,
    }  # fmt: skip
    return TemplateResponse(request, "desk/training/lesson.html", context)


@login_required
@require_POST
@refusals_as_http
def start(request: HttpRequest, slug: str) -> HttpResponse:
    """Start a conversation on a scenario, in the page's language."""
    session = practice.start_session(
        user=request.user, scenario_slug=slug, language=translation.get_language() or "en", now=timezone.now()
    )
    return redirect("desk:training_session", session.pk)


def _session_page(
    request: HttpRequest, session_id: int, form: ReplyForm, *, status: int = 200
) -> HttpResponse:
    session = queries.get_session_for_review(actor=request.user, session_id=session_id)
    shown = transcript.describe(session, language=_language())
    name = "desk/training/session.html#conversation" if request.htmx else "desk/training/session.html"  # type: ignore[attr-defined]
    context = {"shown": shown, "form": form, "is_own": session.user_id == request.user.pk}
    return TemplateResponse(request, name, context, status=status)


@login_required
@require_GET
@refusals_as_http
def session(request: HttpRequest, session_id: int) -> HttpResponse:
    """The conversation: the debtor's lines, my replies with feedback, the next line or the score."""
    return _session_page(request, session_id, ReplyForm())


@login_required
@require_POST
@refusals_as_http
def reply(request: HttpRequest, session_id: int) -> HttpResponse:
    """Take my reply (or choice); htmx redraws the conversation, a plain post returns to it."""
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            practice.reply(
                session_id=session_id, user=request.user, text=form.cleaned_data["reply"],
                choice=form.cleaned_data["choice"] or None, now=timezone.now(),
            )  # fmt: skip
        except practice.ReplyRefused as exc:
            form.add_error(None, str(exc))
    if form.errors:
        return _session_page(request, session_id, form, status=422)
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("desk:training_session", session_id)
    return _session_page(request, session_id, ReplyForm())


@login_required
@require_http_methods(["GET", "POST"])
@refusals_as_http
def quiz(request: HttpRequest) -> HttpResponse:
    """The certification quiz: every question on one page; the result with explanations after submitting."""
    _material, active = content.active_quiz()
    context: dict[str, Any] = {"quiz": active, "language": _language()}
    if request.method == "POST":
        answers = {question.id: request.POST.get(question.id, "") for question in active.questions}
        attempt = attempts.submit_quiz(user=request.user, answers=answers, now=timezone.now())
        context.update(attempt=attempt, answers=answers)
        context["certification"] = certification.get_certification(
            user_id=request.user.pk, as_of=timezone.now().date()
        )
    return TemplateResponse(request, "desk/training/quiz.html", context)


@login_required
@require_GET
@refusals_as_http
def team(request: HttpRequest) -> HttpResponse:
    """Each collector's practice, quiz and certification; the portfolios' certification rule."""
    return _team_page(request)


def _team_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    rows = queries.list_team_progress(actor=request.user, as_of=timezone.now().date())
    context = {
        "rows": rows,
        "policies": queries.list_policies(actor=request.user),
        "may_manage": content.may_manage(request.user),
    }
    return TemplateResponse(request, "desk/training/team.html", context, status=status)


@login_required
@require_GET
@refusals_as_http
def collector(request: HttpRequest, user_id: int) -> HttpResponse:
    """One collector's conversations (each opens with its feedback) and quiz attempts."""
    record = queries.get_collector_record(actor=request.user, user_id=user_id, as_of=timezone.now().date())
    return TemplateResponse(request, "desk/training/collector.html", {"record": record})


@login_required
@require_POST
@refusals_as_http
def set_policy(request: HttpRequest) -> HttpResponse:
    """Turn a portfolio's certification rule on or off (quality managers)."""
    form = PolicyForm(request.POST)
    if not form.is_valid():
        return _team_page(request, status=422)
    policy = certification.set_policy(
        portfolio_id=form.cleaned_data["portfolio"], required=form.cleaned_data["required"],
        actor=request.user, now=timezone.now(),
    )  # fmt: skip
    if policy.certification_required:
        messages.success(
            request,
            _("%(portfolio)s now gives live work only to certified collectors.")
            % {"portfolio": policy.portfolio},
        )
    else:
        messages.success(
            request, _("%(portfolio)s no longer requires certification.") % {"portfolio": policy.portfolio}
        )
    return redirect("desk:training_team")


@login_required
@require_POST
@refusals_as_http
def revoke(request: HttpRequest) -> HttpResponse:
    """Revoke a collector's certification (quality managers)."""
    form = RevokeForm(request.POST)
    if form.is_valid():
        certification.revoke_certification(
            user_id=form.cleaned_data["user"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
            now=timezone.now(),
        )
        messages.success(request, _("Certification revoked."))
    else:
        messages.error(request, _("Give a reason to revoke a certification."))
    return redirect("desk:training_team")
