"""API: training — the course, practice conversations, the quiz, progress, certification and the material.

Course and scenario texts come in the language asked (``?language=zh`` or ``en``; default the
request's). A reply that the conversation cannot take answers 422; a file with problems answers 422
with every problem and its line, and nothing is stored.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from arrears.api.portfolio import ErrorOut
from arrears.core.errors import PermissionDenied
from arrears.training import attempts, certification, content, practice, queries, transcript
from arrears.training.models import Material, MaterialKind
from arrears.training.texts import language_key

router = Router(tags=["training"])


def _language(language: str | None) -> str:
    return language_key(language or translation.get_language())


class LessonOut(Schema):
    id: str
    title: str
    paragraphs: list[str]
    say: list[str]
    never_say: list[dict[str, str]]


class CourseOut(Schema):
    course: str
    version: int
    title: str
    lessons: list[LessonOut]


@router.get("/training/course", response={200: CourseOut, 404: ErrorOut})
def get_course(request: HttpRequest, language: str | None = None) -> CourseOut:
    """Return the active course's lessons in the language asked."""
    code = _language(language)
    _material, course = content.active_course()
    lessons = [
        LessonOut(
            id=lesson.id,
            title=lesson.title.in_language(code),
            paragraphs=lesson.paragraphs(code),
            say=[text.in_language(code) for text in lesson.say],
            never_say=[
                {"text": item.text.in_language(code), "why": item.why.in_language(code)}
                for item in lesson.never_say
            ],
        )
        for lesson in course.lessons
    ]
    return CourseOut(
        course=course.course, version=course.version, title=course.title.in_language(code), lessons=lessons
    )


class ScenarioOut(Schema):
    slug: str
    version: int
    persona: str
    title: str
    brief: str
    sessions: int
    best_score: Decimal | None
    passed: bool


@router.get("/training/scenarios", response={200: list[ScenarioOut]})
def list_scenarios(request: HttpRequest, language: str | None = None) -> list[ScenarioOut]:
    """List the active practice scenarios with my record on each."""
    code = _language(language)
    progress = queries.get_progress(user=request.user, as_of=timezone.now().date())
    return [
        ScenarioOut(
            slug=item.slug,
            version=item.scenario.version,
            persona=item.scenario.persona,
            title=item.scenario.title.in_language(code),
            brief=item.scenario.brief.in_language(code),
            sessions=item.sessions,
            best_score=item.best_score,
            passed=item.passed,
        )
        for item in progress.scenarios
    ]


class SessionIn(Schema):
    scenario: str
    language: str = "en"


class SessionOut(Schema):
    id: int
    scenario: str
    language: str
    status: str
    node: str
    debtor: str
    takes_text: bool
    choices: list[dict[str, str]]
    turns: list[dict[str, Any]]
    outcome: str
    score: Decimal | None
    passed: bool
    marks: dict[str, str]


def _session_out(session_id: int, request: HttpRequest) -> SessionOut:
    session = queries.get_session_for_review(actor=request.user, session_id=session_id)
    shown = transcript.describe(session, language=session.language)
    return SessionOut(
        id=session.pk, scenario=session.scenario.slug, language=session.language, status=session.status,
        node=session.node, debtor=shown.debtor, takes_text=shown.takes_text,
        choices=[{"choice": value, "label": label} for value, label in shown.choices],
        turns=[transcript.turn_data(turn) for turn in shown.turns], outcome=session.outcome,
        score=session.score, passed=session.passed, marks=session.marks,
    )  # fmt: skip


@router.post("/training/sessions", response={201: SessionOut, 404: ErrorOut})
def start_session(request: HttpRequest, payload: SessionIn) -> Any:
    """Start a practice conversation on a scenario; the answer carries the debtor's first line."""
    session = practice.start_session(
        user=request.user, scenario_slug=payload.scenario, language=payload.language, now=timezone.now()
    )
    return Status(201, _session_out(session.pk, request))


@router.get("/training/sessions/{session_id}", response={200: SessionOut, 404: ErrorOut})
def get_session(request: HttpRequest, session_id: int) -> SessionOut:
    """Return a conversation: every turn with its feedback, the next line, the score when it has ended."""
    return _session_out(session_id, request)


class ReplyIn(Schema):
    reply: str = ""
    choice: str | None = None


@router.post(
    "/training/sessions/{session_id}/replies", response={200: SessionOut, 404: ErrorOut, 422: ErrorOut}
)
def reply(request: HttpRequest, session_id: int, payload: ReplyIn) -> SessionOut:
    """Reply to the debtor (or choose); the answer has the linter's hits, the elements shown and the next line."""
    practice.reply(
        session_id=session_id,
        user=request.user,
        text=payload.reply,
        choice=payload.choice,
        now=timezone.now(),
    )
    return _session_out(session_id, request)


class QuestionOut(Schema):
    id: str
    question: str
    choices: list[dict[str, str]]


class QuizOut(Schema):
    quiz: str
    version: int
    title: str
    pass_mark: int
    questions: list[QuestionOut]


@router.get("/training/quiz", response={200: QuizOut, 404: ErrorOut})
def get_quiz(request: HttpRequest, language: str | None = None) -> QuizOut:
    """Return the active quiz's questions and choices (not the answers)."""
    code = _language(language)
    _material, quiz = content.active_quiz()
    questions = [
        QuestionOut(
            id=question.id,
            question=question.question.in_language(code),
            choices=[{"id": choice.id, "text": choice.in_language(code)} for choice in question.choices],
        )
        for question in quiz.questions
    ]
    return QuizOut(
        quiz=quiz.quiz, version=quiz.version, title=quiz.title.in_language(code), pass_mark=quiz.pass_mark,
        questions=questions,
    )  # fmt: skip


class AttemptIn(Schema):
    answers: dict[str, str]


class AttemptOut(Schema):
    id: int
    correct: int
    total: int
    percent: int
    passed: bool
    certified: bool


@router.post("/training/quiz/attempts", response={201: AttemptOut, 404: ErrorOut})
def submit_quiz(request: HttpRequest, payload: AttemptIn) -> Any:
    """Submit answers (question id → choice id); a pass with enough practice certifies me."""
    attempt = attempts.submit_quiz(user=request.user, answers=payload.answers, now=timezone.now())
    certified = (
        certification.get_certification(user_id=request.user.pk, as_of=timezone.now().date()) is not None
    )
    return Status(
        201,
        AttemptOut(
            id=attempt.pk,
            correct=attempt.correct,
            total=attempt.total,
            percent=attempt.percent,
            passed=attempt.passed,
            certified=certified,
        ),
    )


class ProgressOut(Schema):
    user_id: int
    username: str
    sessions: int
    passed_scenarios: int
    quiz_best: int | None
    certified_until: date | None
    certified: bool


@router.get("/training/progress", response={200: list[ProgressOut], 403: ErrorOut})
def team_progress(request: HttpRequest) -> list[ProgressOut]:
    """Each collector of my portfolios: conversations, scenarios passed, best quiz score, certification (supervisors, quality staff)."""
    rows = queries.list_team_progress(actor=request.user, as_of=timezone.now().date())
    return [
        ProgressOut(
            user_id=row.user.pk,
            username=row.user.get_username(),
            sessions=row.sessions,
            passed_scenarios=row.passed_scenarios,
            quiz_best=row.quiz_best,
            certified_until=row.certification.valid_until if row.certification else None,
            certified=row.certification is not None,
        )
        for row in rows
    ]


class PolicyIn(Schema):
    certification_required: bool


class PolicyOut(Schema):
    portfolio_id: int
    certification_required: bool
    updated_at: datetime


@router.put(
    "/training/portfolios/{portfolio_id}/policy", response={200: PolicyOut, 403: ErrorOut, 404: ErrorOut}
)
def set_policy(request: HttpRequest, portfolio_id: int, payload: PolicyIn) -> PolicyOut:
    """Require certification (or not) before a portfolio's live work goes to a collector (quality managers)."""
    policy = certification.set_policy(
        portfolio_id=portfolio_id,
        required=payload.certification_required,
        actor=request.user,
        now=timezone.now(),
    )
    return PolicyOut(
        portfolio_id=policy.portfolio_id, certification_required=policy.certification_required,
        updated_at=policy.updated_at,
    )  # fmt: skip


class MaterialIn(Schema):
    source: str


class MaterialOut(Schema):
    id: int
    kind: str
    slug: str
    version: int
    is_active: bool
    created_at: datetime


class ProblemsOut(Schema):
    detail: str
    problems: list[str]


def _material_out(material: Material) -> MaterialOut:
    return MaterialOut(
        id=material.pk, kind=material.kind, slug=material.slug, version=material.version,
        is_active=material.is_active, created_at=material.created_at,
    )  # fmt: skip


@router.get("/training/materials", response={200: list[MaterialOut], 403: ErrorOut})
def list_materials(request: HttpRequest) -> list[MaterialOut]:
    """List every stored course, scenario and quiz version (quality managers)."""
    if not content.may_manage(request.user):
        raise PermissionDenied(_("Only quality managers may edit training material."))
    return [_material_out(item) for item in Material.objects.order_by("kind", "slug", "-version")]


@router.post(
    "/training/materials/{kind}",
    response={201: MaterialOut, 403: ErrorOut, 404: ErrorOut, 422: ProblemsOut},
)
def save_material(request: HttpRequest, kind: MaterialKind, payload: MaterialIn) -> Any:
    """Check and store a new version of a course, scenario or quiz (quality managers); 422 lists each problem's line."""
    try:
        material = content.save_material(
            kind=kind, source=payload.source, actor=request.user, now=timezone.now()
        )
    except content.InvalidMaterial as exc:
        return Status(422, ProblemsOut(detail=str(exc), problems=exc.problems))
    return Status(201, _material_out(material))
