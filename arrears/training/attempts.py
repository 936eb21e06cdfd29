"""Quiz attempts: submit answers to the active quiz, scored by ``quiz.score_quiz``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction

from arrears.core.audit.actions import record_event
from arrears.training import certification, content
from arrears.training.models import QuizAttempt
from arrears.training.quiz import score_quiz


@transaction.atomic
def submit_quiz(*, user: Any, answers: Mapping[str, str], now: datetime) -> QuizAttempt:
    """Score ``answers`` (question id → choice id) on the active quiz and keep the attempt.

    Answers to questions the quiz does not have are dropped; an unanswered question is wrong. A
    pass may certify the user (``certification.grant_if_earned``). Writes ``training.submit_quiz``.

    :raises NotFound: when no quiz is installed.
    """
    material, quiz = content.active_quiz()
    known = {question.id for question in quiz.questions}
    kept = {key: str(value) for key, value in answers.items() if key in known}
    result = score_quiz(quiz, kept)
    attempt = QuizAttempt.objects.create(
        user=user, quiz=material, answers=kept, correct=result.correct, total=result.total,
        percent=result.percent, passed=result.passed, submitted_at=now,
    )  # fmt: skip
    record_event(
        actor=user, action="training.submit_quiz", target=attempt, now=now,
        after={"quiz": quiz.label, "correct": result.correct, "total": result.total, "passed": result.passed},
    )  # fmt: skip
    if result.passed:
        certification.grant_if_earned(user=user, now=now)
    return attempt
