"""Read a training file (course, quiz, scenario) as a checked model, with the line of every problem. Pure."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from arrears.core import located_yaml
from arrears.core.located_yaml import Location


class InvalidDocument(ValueError):
    """A training file that does not validate; each problem names its line and where in the file it is."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__("\n".join(f"{source}, {problem}" for problem in problems))
        self.problems = problems


Model = TypeVar("Model", bound=BaseModel)
Checks = Callable[[Any, dict[Location, int]], Iterator[str]]


def load_document(
    text: str, model: type[Model], *, source: str, checks: tuple[Checks, ...] = (), what: str = "file"
) -> Model:
    """Parse ``text`` as YAML, validate it as ``model``, then run ``checks`` in order until one finds problems.

    :raises InvalidDocument: listing every problem as ``line N: where: what is wrong``.
    """
    try:
        data, lines, duplicates = located_yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "line 1"
        raise InvalidDocument(source, [f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}"]) from exc
    if duplicates:
        raise InvalidDocument(source, duplicates)
    if not isinstance(data, dict):
        raise InvalidDocument(source, [f"line 1: (top): a {what} is a mapping of keys to values"])
    try:
        document = model.model_validate(data)
    except ValidationError as exc:
        problems = [located_yaml.at(lines, tuple(error["loc"]), error["msg"]) for error in exc.errors()]
        raise InvalidDocument(source, problems) from exc
    for check in checks:
        problems = list(check(document, lines))
        if problems:
            raise InvalidDocument(source, problems)
    return document
