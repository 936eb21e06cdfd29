"""The certification quiz: questions with one correct choice, a pass mark, and scoring. Pure."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from arrears.core import located_yaml
from arrears.core.located_yaml import Location
from arrears.training.documents import load_document
from arrears.training.texts import Line, Text

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,49}$")]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Choice(_Model):
    id: Slug
    en: Line
    zh: Line
    correct: bool = False

    def in_language(self, language: str | None) -> str:
        """Return the choice's text in ``language``."""
        return Text(en=self.en, zh=self.zh).in_language(language)


class Question(_Model):
    id: Slug
    question: Text
    choices: list[Choice] = Field(min_length=2)
    explanation: Text

    @property
    def answer(self) -> str:
        """Return the id of the correct choice."""
        return next(choice.id for choice in self.choices if choice.correct)


class CertificationRule(_Model):
    """What certification asks beyond the quiz, and how long it lasts."""

    practice_passed: int = Field(default=1, ge=0, le=20)
    valid_days: int | None = Field(default=365, ge=1)


class Quiz(_Model):
    """A checked quiz."""

    quiz: Slug
    version: int = Field(ge=1)
    title: Text
    pass_mark: int = Field(ge=1, le=100)
    certification: CertificationRule = Field(default_factory=CertificationRule)
    questions: list[Question] = Field(min_length=1, max_length=50)

    @property
    def label(self) -> str:
        """Return ``name@version``."""
        return f"{self.quiz}@{self.version}"


@dataclass(frozen=True)
class QuizResult:
    """How many answers were right, the percentage, whether it passes, and each question's verdict."""

    correct: int
    total: int
    percent: int
    passed: bool
    wrong: tuple[str, ...]


def load_quiz(text: str, *, source: str = "<quiz>") -> Quiz:
    """Parse and check a quiz from YAML text.

    :raises InvalidDocument: listing every problem as ``line N: where: what is wrong``.
    """
    return load_document(text, Quiz, source=source, checks=(_check_questions,), what="quiz")


def _check_questions(quiz: Quiz, lines: dict[Location, int]) -> Iterator[str]:
    seen: set[str] = set()
    for index, question in enumerate(quiz.questions):
        where: Location = ("questions", index)
        if question.id in seen:
            yield located_yaml.at(lines, (*where, "id"), f"question {question.id!r} is defined twice")
        seen.add(question.id)
        correct = sum(choice.correct for choice in question.choices)
        if correct != 1:
            yield located_yaml.at(
                lines,
                (*where, "choices"),
                f"question {question.id!r} has {correct} correct choices; give exactly one",
            )
        ids = [choice.id for choice in question.choices]
        for number, choice_id in enumerate(ids):
            if ids.index(choice_id) != number:
                yield located_yaml.at(
                    lines, (*where, "choices", number), f"choice {choice_id!r} is given twice"
                )


def score_quiz(quiz: Quiz, answers: Mapping[str, str]) -> QuizResult:
    """Score ``answers`` (question id → choice id); an unanswered question counts as wrong.

    The percentage is rounded down, so a pass is never granted by rounding.
    """
    wrong = tuple(question.id for question in quiz.questions if answers.get(question.id) != question.answer)
    total = len(quiz.questions)
    correct = total - len(wrong)
    percent = correct * 100 // total
    return QuizResult(
        correct=correct, total=total, percent=percent, passed=percent >= quiz.pass_mark, wrong=wrong
    )
