"""The course: lessons in English and Chinese, with examples to say and never to say. Pure.

``defaults/course.yaml`` is the built-in course, written from the seed; managers store new versions
(``training.content``). See docs/training.md, "Course files".
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from arrears.core import located_yaml
from arrears.core.located_yaml import Location
from arrears.training.documents import load_document
from arrears.training.texts import Text

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,49}$")]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Example(_Model):
    """Something never to say, and why."""

    text: Text
    why: Text


class Lesson(_Model):
    """One lesson: its text and its examples."""

    id: Slug
    title: Text
    body: Text
    say: list[Text] = Field(default_factory=list)
    never_say: list[Example] = Field(default_factory=list)

    def paragraphs(self, language: str | None) -> list[str]:
        """Return the body in ``language`` split into paragraphs."""
        return [part.strip() for part in self.body.in_language(language).split("\n\n") if part.strip()]


class Course(_Model):
    """A checked course."""

    course: Slug
    version: int = Field(ge=1)
    title: Text
    lessons: list[Lesson] = Field(min_length=1)

    @property
    def label(self) -> str:
        """Return ``name@version``."""
        return f"{self.course}@{self.version}"

    def lesson(self, lesson_id: str) -> Lesson | None:
        """Return the lesson ``lesson_id``, or None."""
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)


def load_course(text: str, *, source: str = "<course>") -> Course:
    """Parse and check a course from YAML text.

    :raises InvalidDocument: listing every problem as ``line N: where: what is wrong``.
    """
    return load_document(text, Course, source=source, checks=(_check_ids,), what="course")


def _check_ids(course: Course, lines: dict[Location, int]) -> Iterator[str]:
    seen: set[str] = set()
    for index, lesson in enumerate(course.lessons):
        if lesson.id in seen:
            yield located_yaml.at(lines, ("lessons", index, "id"), f"lesson {lesson.id!r} is defined twice")
        seen.add(lesson.id)


def default_text(name: str) -> str:
    """Return the text of a shipped file under ``arrears/training/defaults``."""
    return resources.files("arrears.training").joinpath("defaults", name).read_text(encoding="utf-8")


@cache
def default_course() -> Course:
    """Return the shipped course (``defaults/course.yaml``)."""
    return load_course(default_text("course.yaml"), source="course.yaml")
