"""Practice conversations: start one on a scenario, reply turn by turn, and the score when it ends.

Each reply is read by ``walk.take_step`` (linter, elements, intents, branch) and kept as a turn;
when the conversation reaches an outcome it is scored on the quality scorecard and, if passed, the
trainee may become certified (``certification.grant_if_earned``). Each action writes one audit event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from arrears.compliance.linter import LintHit, Severity
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError, NotFound
from arrears.quality.scoring import default_spec
from arrears.training import certification, content, walk
from arrears.training.models import MaterialKind, PracticeSession, PracticeTurn, SessionStatus
from arrears.training.texts import language_key

REFUSALS = {
    "finished": gettext_lazy("This conversation is over; start a new one to practise again."),
    "choice_needed": gettext_lazy("Choose one of the answers offered."),
    "unknown_choice": gettext_lazy("That answer is not offered at this point of the conversation."),
    "empty": gettext_lazy("Type your reply first."),
}
MAX_REPLY = 2000


class ReplyRefused(DomainError):
    """A reply the conversation cannot take (it is over, wants a choice, or the reply is empty)."""


@transaction.atomic
def start_session(*, user: Any, scenario_slug: str, language: str, now: datetime) -> PracticeSession:
    """Start a conversation on the active version of the scenario; writes ``training.start_practice``.

    :raises NotFound: when no active scenario has that name.
    """
    material = content.get_material(kind=MaterialKind.SCENARIO, slug=scenario_slug)
    scenario = content.scenario_of(material)
    session = PracticeSession.objects.create(
        user=user, scenario=material, language=language_key(language), node=scenario.start, started_at=now
    )
    record_event(
        actor=user,
        action="training.start_practice",
        target=session,
        now=now,
        after={"scenario": scenario.label, "language": session.language},
    )
    return session


def get_session(*, user: Any, session_id: int) -> PracticeSession:
    """Return one of the user's conversations.

    :raises NotFound: when it is not theirs.
    """
    session = (
        PracticeSession.objects.select_related("scenario")
        .filter(pk=session_id, user_id=user.pk)
        .order_by("pk")
        .first()
    )
    if session is None:
        raise NotFound(_("No such practice conversation."))
    return session


@transaction.atomic
def reply(
    *, session_id: int, user: Any, text: str = "", choice: str | None = None, now: datetime
) -> tuple[PracticeSession, PracticeTurn]:
    """Take the trainee's reply (or choice) at the current node; score the conversation when it ends.

    Writes ``training.practice_reply``, or ``training.finish_practice`` on the reply that ends it.

    :raises NotFound: when the conversation is not the user's.
    :raises ReplyRefused: when it is over, a choice is needed or not offered, or the reply is empty.
    """
    session = get_session(user=user, session_id=session_id)
    session = PracticeSession.objects.select_for_update().select_related("scenario").get(pk=session.pk)
    if session.status != SessionStatus.OPEN:
        raise ReplyRefused(str(REFUSALS["finished"]))
    scenario = content.scenario_of(session.scenario)
    try:
        step = walk.take_step(
            scenario, session.node, reply=text[:MAX_REPLY], choice=choice or None, language=session.language
        )
    except walk.StepRefused as exc:
        raise ReplyRefused(str(REFUSALS[exc.code])) from exc
    turn = PracticeTurn.objects.create(
        session=session,
        number=session.turns.count() + 1,
        node=step.node_id,
        reply=step.reply,
        choice=step.choice or "",
        hits=[hit_data(hit) for hit in step.hits],
        found=list(step.found),
        expected=list(step.expected),
        mismatched=list(step.mismatched),
        next_node=step.next_node,
        created_at=now,
    )
    session.node = step.next_node
    finished = scenario.node(step.next_node).is_terminal
    if finished:
        _finish(session, scenario, now=now)
    session.save()
    record_event(
        actor=user,
        action="training.finish_practice" if finished else "training.practice_reply",
        target=session,
        now=now,
        after={
            "turn": turn.number,
            "node": turn.node,
            "next": turn.next_node,
            "blocked": step.is_blocked,
            "rules": sorted({hit.rule_id for hit in step.hits}),
            "score": session.score,
            "passed": session.passed,
        },
    )
    if finished and session.passed:
        certification.grant_if_earned(user=user, now=now)
    return session, turn


def _finish(session: PracticeSession, scenario: Any, *, now: datetime) -> None:
    steps = [step_of(turn) for turn in session.turns.order_by("number")]
    scored = walk.score_walk(scenario, steps, spec=default_spec())
    session.status, session.finished_at = SessionStatus.FINISHED, now
    session.outcome, session.passed = scored.outcome, scored.passed
    session.score = scored.result.percent
    session.marks = {key: mark.value for key, mark in scored.marks.items()}


def hit_data(hit: LintHit) -> dict[str, Any]:
    """Return a linter hit as JSON-ready data."""
    return {
        "rule_id": hit.rule_id, "severity": hit.severity.value, "start": hit.start, "end": hit.end,
        "matched": hit.matched, "title": dict(hit.title), "source": hit.source, "is_missing": hit.is_missing,
    }  # fmt: skip


def step_of(turn: PracticeTurn) -> walk.Step:
    """Return the walk's step a stored turn records."""
    hits = tuple(
        LintHit(
            rule_id=data["rule_id"],
            severity=Severity(data["severity"]),
            start=data["start"],
            end=data["end"],
            matched=data["matched"],
            title=data["title"],
            source=data["source"],
            is_missing=data["is_missing"],
        )
        for data in turn.hits
    )
    return walk.Step(
        node_id=turn.node,
        reply=turn.reply,
        choice=turn.choice or None,
        hits=hits,
        found=tuple(turn.found),
        expected=tuple(turn.expected),
        mismatched=tuple(turn.mismatched),
        next_node=turn.next_node,
    )
