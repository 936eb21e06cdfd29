"""Template filters for training material written in both languages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def text(value: Any, language: str) -> str:
    """Render a two-language text (``{{ lesson.title|text:language }}``) in ``language``."""
    if value is None:
        return ""
    return str(value.in_language(language))


@register.filter
def paragraphs(lesson: Any, language: str) -> list[str]:
    """Return a lesson's body in ``language`` as paragraphs."""
    return list(lesson.paragraphs(language))


@register.filter
def answer_to(answers: dict[str, str] | None, question_id: str) -> str:
    """Return the choice given to ``question_id`` (``{{ answers|answer_to:question.id }}``)."""
    return (answers or {}).get(question_id, "")
