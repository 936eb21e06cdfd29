"""Reads for the training pages and API: a trainee's progress, the team's, policies, a conversation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _

from arrears.core.errors import NotFound, PermissionDenied
from arrears.people.roles import Capability, Role
from arrears.people.scoping import granted_portfolio_ids, scope_to_user
from arrears.portfolio.models import Portfolio
from arrears.training import certification, content
from arrears.training.models import (
    Certification,
    MaterialKind,
    PracticeSession,
    QuizAttempt,
    SessionStatus,
    TrainingPolicy,
)
from arrears.training.scenarios import Scenario


@dataclass(frozen=True)
class ScenarioProgress:
    """A trainee's record on one scenario."""

    slug: str
    scenario: Scenario
    sessions: int
    best_score: Decimal | None
    passed: bool


@dataclass(frozen=True)
class Progress:
    """A trainee's scenarios, quiz and certification."""

    scenarios: list[ScenarioProgress]
    passed_scenarios: int
    quiz_best: int | None
    quiz_passed: bool
    certification: Certification | None


@dataclass(frozen=True)
class TeamRow:
    """One collector on the team progress page."""

    user: Any
    sessions: int
    passed_scenarios: int
    quiz_best: int | None
    certification: Certification | None


def may_see_team(user: Any) -> bool:
    """Return whether ``user`` may see collectors' training progress (supervisors and quality staff)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and (
            user.is_superuser
            or user.can(Capability.SUPERVISE_TEAM)
            or user.can(Capability.REVIEW_QUALITY)
            or user.can(Capability.MANAGE_QUALITY)
        )
    )


def get_progress(*, user: Any, as_of: date) -> Progress:
    """Return the user's record on every active scenario, their best quiz score and certification."""
    rows = {
        row["scenario__slug"]: row
        for row in PracticeSession.objects.filter(user_id=user.pk)
        .values("scenario__slug")
        .annotate(
            sessions=Count("pk"),
            best=Max("score", filter=Q(status=SessionStatus.FINISHED)),
            passes=Count("pk", filter=Q(passed=True)),
        )
        .order_by()
    }
    scenarios = []
    for material in content.list_active(MaterialKind.SCENARIO):
        row = rows.get(material.slug, {})
        scenarios.append(
            ScenarioProgress(
                slug=material.slug,
                scenario=content.scenario_of(material),
                sessions=row.get("sessions", 0),
                best_score=row.get("best"),
                passed=bool(row.get("passes")),
            )
        )
    attempts = QuizAttempt.objects.filter(user_id=user.pk).aggregate(
        best=Max("percent"), passes=Count("pk", filter=Q(passed=True))
    )
    return Progress(
        scenarios=scenarios,
        passed_scenarios=certification.count_passed_scenarios(user.pk),
        quiz_best=attempts["best"],
        quiz_passed=bool(attempts["passes"]),
        certification=certification.get_certification(user_id=user.pk, as_of=as_of),
    )


def _team_portfolio_ids(actor: Any) -> list[int]:
    if not may_see_team(actor):
        raise PermissionDenied(_("Only supervisors and quality staff may see the team's training."))
    granted = granted_portfolio_ids(actor)
    portfolios = Portfolio.objects.all() if granted is None else Portfolio.objects.filter(pk__in=granted)
    return list(portfolios.values_list("pk", flat=True))


def list_team_progress(*, actor: Any, as_of: date) -> list[TeamRow]:
    """Return each active collector of the actor's portfolios with their training record (four queries).

    :raises PermissionDenied: when ``actor`` may not see the team's training.
    """
    portfolio_ids = _team_portfolio_ids(actor)
    users = list(
        get_user_model()
        .objects.filter(role=Role.COLLECTOR, is_active=True, portfolios__in=portfolio_ids)
        .distinct()
        .order_by("username", "pk")
    )
    ids = [user.pk for user in users]
    sessions = dict(
        PracticeSession.objects.filter(user_id__in=ids)
        .values_list("user_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    passed = dict(
        PracticeSession.objects.filter(user_id__in=ids, passed=True)
        .values_list("user_id")
        .annotate(n=Count("scenario__slug", distinct=True))
        .order_by()
    )
    quiz = dict(
        QuizAttempt.objects.filter(user_id__in=ids)
        .values_list("user_id")
        .annotate(best=Max("percent"))
        .order_by()
    )
    certified = {
        item.user_id: item
        for item in Certification.objects.filter(certification.in_force(as_of), user_id__in=ids)
    }
    return [
        TeamRow(
            user, sessions.get(user.pk, 0), passed.get(user.pk, 0), quiz.get(user.pk), certified.get(user.pk)
        )
        for user in users
    ]


def list_policies(*, actor: Any) -> list[tuple[Portfolio, bool]]:
    """Return the actor's portfolios, each with whether it requires certification."""
    portfolios = list(
        scope_to_user(Portfolio.objects.all(), actor, portfolio_field="pk").order_by("name", "pk")
    )
    required = set(
        TrainingPolicy.objects.filter(certification_required=True, portfolio__in=portfolios).values_list(
            "portfolio_id", flat=True
        )
    )
    return [(portfolio, portfolio.pk in required) for portfolio in portfolios]


def get_session_for_review(*, actor: Any, session_id: int) -> PracticeSession:
    """Return a conversation: the actor's own, or a collector's of the actor's portfolios for the team's reviewers.

    :raises NotFound: otherwise.
    """
    session = (
        PracticeSession.objects.select_related("scenario", "user")
        .filter(pk=session_id)
        .order_by("pk")
        .first()
    )
    if session is None:
        raise NotFound(_("No such practice conversation."))
    if session.user_id == actor.pk:
        return session
    if may_see_team(actor):
        granted = granted_portfolio_ids(actor)
        if granted is None or session.user.portfolios.filter(pk__in=granted).exists():
            return session
    raise NotFound(_("No such practice conversation."))


@dataclass(frozen=True)
class CollectorRecord:
    """One collector's conversations and quiz attempts, newest first, for the team's reviewers."""

    user: Any
    sessions: list[PracticeSession]
    attempts: list[QuizAttempt]
    certification: Certification | None


def get_collector_record(*, actor: Any, user_id: int, as_of: date) -> CollectorRecord:
    """Return a collector of the actor's portfolios with their conversations and quiz attempts.

    :raises PermissionDenied: when ``actor`` may not see the team's training.
    :raises NotFound: when the user is not a collector of the actor's portfolios.
    """
    portfolio_ids = _team_portfolio_ids(actor)
    user = (
        get_user_model()
        .objects.filter(pk=user_id, role=Role.COLLECTOR, portfolios__in=portfolio_ids)
        .order_by("pk")
        .first()
    )
    if user is None:
        raise NotFound(_("No such collector in your portfolios."))
    return CollectorRecord(
        user=user,
        sessions=list(
            PracticeSession.objects.filter(user=user)
            .select_related("scenario")
            .order_by("-started_at", "-pk")[:50]
        ),
        attempts=list(QuizAttempt.objects.filter(user=user).order_by("-submitted_at", "-pk")[:20]),
        certification=certification.get_certification(user_id=user.pk, as_of=as_of),
    )
