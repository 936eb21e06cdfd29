"""Strategies as data: versioned YAML files, validated on load with the line of every error.

A strategy sorts accounts into segments (SQL boolean expressions, lowest priority number first),
sends each segment down a treatment path of stages, and schedules actions by the day in the
stage. Loading refuses anything the engine could misread: unknown fields, type mismatches, shared
priorities, references to nothing, stages and segments no account can reach.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path as FilePath
from typing import Annotated, Literal

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from arrears.core import located_yaml
from arrears.engine import probe
from arrears.engine.compile import Location, expressions
from arrears.engine.fields import FIELDS_BY_NAME

Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$", max_length=60)]
Channel = Literal["sms", "email", "app", "call", "letter", "visit", "task"]
Goal = Literal["full_payment", "partial_payment", "arrangement", "verification"]
MESSAGE_CHANNELS = frozenset({"sms", "email", "app", "letter"})
QUEUED_CHANNELS = frozenset({"call", "visit", "task"})


class InvalidStrategy(ValueError):
    """A strategy that does not validate; each line of the message names a line and a field."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__("\n".join(f"{source}, {problem}" for problem in problems))
        self.problems = problems


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Routed(_Model):
    """Where an action goes: a message channel with its template, or a work queue."""

    channel: Channel
    template: str | None = None
    queue: str | None = None

    @model_validator(mode="after")
    def _routed(self) -> _Routed:
        if self.channel in MESSAGE_CHANNELS and not self.template:
            raise ValueError(f"a {self.channel} action needs a template")
        if self.channel in QUEUED_CHANNELS and not self.queue:
            raise ValueError(f"a {self.channel} action needs a queue")
        return self


class Instead(_Routed):
    """The channel used instead of the action's own when ``when`` holds."""

    when: str


class Action(_Routed):
    """One step of a stage's schedule, due ``day`` days after the case entered the stage."""

    id: Name
    day: int = Field(ge=0, le=3650)
    when: str | None = None
    instead: Instead | None = None


class Stage(_Model):
    """A stage of a treatment path: when a case enters and leaves it, its goal and its schedule."""

    id: Name
    description: str = ""
    enter_when: str
    exit_when: str | None = None
    goal: Goal
    deadline_days: int = Field(ge=1, le=3650)
    actions: list[Action] = []


class TreatmentPath(_Model):
    """Stages in escalation order: the furthest stage whose entry condition holds wins."""

    description: str = ""
    stages: list[Stage] = Field(min_length=1)


class Segment(_Model):
    """A group of accounts; the segment with the lowest ``priority`` number whose ``when`` holds wins."""

    id: Name
    priority: int
    description: str = ""
    when: str
    path: Name


class Challenger(_Model):
    """Another strategy that treats a share (``weight``, 0–1) of the debtors."""

    strategy: Name
    weight: float = Field(gt=0, lt=1)


class Strategy(_Model):
    """One version of a strategy file."""

    strategy: Name
    version: str = Field(min_length=1, max_length=40)
    title: dict[Literal["en", "zh"], str]
    description: str = ""
    salt: str | None = None
    challengers: list[Challenger] = []
    segments: list[Segment] = Field(min_length=1)
    paths: dict[Name, TreatmentPath]

    @property
    def label(self) -> str:
        """Return ``name@version``, the prefix of every rule id the strategy produces."""
        return f"{self.strategy}@{self.version}"

    @property
    def arm_salt(self) -> str:
        """Return the salt of the champion/challenger hash (the strategy name unless set)."""
        return self.salt or self.strategy

    @property
    def arms(self) -> list[tuple[str, float]]:
        """Return (strategy, weight) of the champion, then each challenger."""
        champion = 1.0 - sum(challenger.weight for challenger in self.challengers)
        return [(self.strategy, champion)] + [(item.strategy, item.weight) for item in self.challengers]

    def segments_by_priority(self) -> list[Segment]:
        """Return the segments, the winning one (lowest priority number) first."""
        return sorted(self.segments, key=lambda segment: segment.priority)


def load_strategy(text: str, *, source: str = "<strategy>") -> Strategy:
    """Parse and validate a strategy from YAML text.

    :raises InvalidStrategy: listing every problem as ``line N: field: what is wrong``.
    """
    try:
        data, lines, duplicates = located_yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "line 1"
        raise InvalidStrategy(source, [f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}"]) from exc
    if duplicates:
        raise InvalidStrategy(source, duplicates)
    try:
        strategy = Strategy.model_validate(data)
    except ValidationError as exc:
        problems = [located_yaml.at(lines, tuple(error["loc"]), error["msg"]) for error in exc.errors()]
        raise InvalidStrategy(source, problems) from exc
    problems = list(_check_references(strategy, lines)) + list(_check_expressions(strategy, lines))
    if not problems:
        problems = list(_check_reachability(strategy, lines))
    if problems:
        raise InvalidStrategy(source, problems)
    return strategy


def load_strategy_file(path: str | FilePath) -> Strategy:
    """Load and validate a strategy file.

    :raises InvalidStrategy: naming the file, the line and the field of each problem.
    """
    file = FilePath(path)
    return load_strategy(file.read_text(encoding="utf-8"), source=file.name)


@cache
def default_strategy() -> Strategy:
    """Return the shipped default strategy (`arrears/engine/strategies/default.yaml`).

    :raises InvalidStrategy: if the shipped file does not validate.
    """
    entry = resources.files("arrears.engine").joinpath("strategies", "default.yaml")
    return load_strategy(entry.read_text(encoding="utf-8"), source="default.yaml")


# --- checks ------------------------------------------------------------------------------------


def _check_references(strategy: Strategy, lines: dict[Location, int]) -> Iterator[str]:
    total = sum(challenger.weight for challenger in strategy.challengers)
    if total >= 1:
        yield located_yaml.at(
            lines, ("challengers",), f"the weights add up to {total:g}; the champion needs a share above 0"
        )
    seen_priorities: dict[int, str] = {}
    seen_ids: set[str] = set()
    for index, segment in enumerate(strategy.segments):
        if segment.id in seen_ids:
            yield located_yaml.at(
                lines, ("segments", index, "id"), f"segment {segment.id!r} is defined twice"
            )
        seen_ids.add(segment.id)
        if segment.priority in seen_priorities:
            yield located_yaml.at(
                lines, ("segments", index, "priority"),
                f"segments {seen_priorities[segment.priority]!r} and {segment.id!r} share priority "
                f"{segment.priority}; give overlapping segments distinct priorities (the lowest number wins)",
            )  # fmt: skip
        seen_priorities[segment.priority] = segment.id
        if segment.path not in strategy.paths:
            yield located_yaml.at(lines, ("segments", index, "path"), f"no path named {segment.path!r}")
    used = {segment.path for segment in strategy.segments}
    for name, path in strategy.paths.items():
        if name not in used:
            yield located_yaml.at(lines, ("paths", name), f"path {name!r} is unreachable: no segment uses it")
        yield from _check_unique_ids(path, ("paths", name), lines)


def _check_unique_ids(path: TreatmentPath, location: Location, lines: dict[Location, int]) -> Iterator[str]:
    stage_ids: set[str] = set()
    for index, stage in enumerate(path.stages):
        if stage.id in stage_ids:
            yield located_yaml.at(
                lines, (*location, "stages", index, "id"), f"stage {stage.id!r} is defined twice"
            )
        stage_ids.add(stage.id)
        action_ids: set[str] = set()
        for number, action in enumerate(stage.actions):
            if action.id in action_ids:
                where = (*location, "stages", index, "actions", number, "id")
                yield located_yaml.at(lines, where, f"action {action.id!r} is defined twice")
            action_ids.add(action.id)


# A field compared with a literal of the other kind: `balance = 'high'`, `product = 3`.
_COMPARISON = re.compile(
    r"\b([a-z_][a-z0-9_]*)\s*(?:=|<>|!=|<=|>=|<|>)\s*('[^']*'|-?\d+(?:\.\d+)?)", re.IGNORECASE
)
_REVERSED = re.compile(
    r"('[^']*'|-?\d+(?:\.\d+)?)\s*(?:=|<>|!=|<=|>=|<|>)\s*([a-z_][a-z0-9_]*)\b", re.IGNORECASE
)
_IN_LIST = re.compile(r"\b([a-z_][a-z0-9_]*)\s+(?:NOT\s+)?IN\s*\(([^)]*)\)", re.IGNORECASE)
_LITERAL = re.compile(r"'[^']*'|-?\d+(?:\.\d+)?")


def check_condition(sql: str) -> str | None:
    """Return what is wrong with one SQL boolean condition, or ``None`` when it is sound.

    Checks: it parses, names only documented fields, compares each field with a literal of its
    kind and a text field only with its documented values, and yields a boolean.
    """
    try:
        expr = pl.sql_expr(sql)
    except Exception as exc:  # Polars raises several SQL error types; every one means "refused".
        return f"cannot read {sql!r}: {_first_line(exc)}"
    names = set(expr.meta.root_names())
    unknown = sorted(names - FIELDS_BY_NAME.keys())
    keys = sorted(name for name in names & FIELDS_BY_NAME.keys() if FIELDS_BY_NAME[name].kind == "key")
    if unknown:
        return f"unknown field {', '.join(map(repr, unknown))} in {sql!r} (see docs/strategies.md for the fields)"
    if keys:
        return f"{', '.join(map(repr, keys))} identifies an account and cannot be used in a condition"
    mismatch = _literal_mismatch(sql)
    if mismatch:
        return mismatch
    try:
        dtype = probe.sample_frame().select(expr).to_series().dtype
    except Exception as exc:  # a type error Polars finds while planning, e.g. text compared with a number
        return f"type mismatch in {sql!r}: {_first_line(exc)}"
    if dtype != pl.Boolean:
        return f"{sql!r} is not a true/false condition (it gives {dtype})"
    return None


def _literal_mismatch(sql: str) -> str | None:
    pairs = [(field, literal) for field, literal in _COMPARISON.findall(sql)]
    pairs += [(field, literal) for literal, field in _REVERSED.findall(sql)]
    pairs += [
        (field, literal) for field, items in _IN_LIST.findall(sql) for literal in _LITERAL.findall(items)
    ]
    for name, literal in pairs:
        field = FIELDS_BY_NAME.get(name)
        if field is None:
            continue
        is_text = literal.startswith("'")
        if field.kind == "number" and is_text:
            return f"type mismatch: {name} is a number, compared with the text {literal}"
        if field.kind == "text" and not is_text:
            return f"type mismatch: {name} is text, compared with the number {literal}"
        if field.kind == "boolean" and is_text:
            return f"type mismatch: {name} is true/false, compared with the text {literal}"
        if field.kind == "text" and field.values and literal.strip("'") not in field.values:
            return f"{name} is never {literal}; its values are {', '.join(field.values)}"
    return None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _check_expressions(strategy: Strategy, lines: dict[Location, int]) -> Iterator[str]:
    for location, sql in expressions(strategy):
        problem = check_condition(sql)
        if problem:
            yield located_yaml.at(lines, location, problem)


def _check_reachability(strategy: Strategy, lines: dict[Location, int]) -> Iterator[str]:
    reached_segments, reached_stages = probe.reached(strategy)
    for index, segment in enumerate(strategy.segments):
        if segment.id not in reached_segments:
            yield located_yaml.at(
                lines, ("segments", index, "when"),
                f"segment {segment.id!r} is unreachable: on {probe.PROBE_SIZE:,} synthetic accounts every "
                "account its condition matches goes to a segment with a lower priority number",
            )  # fmt: skip
    for name, path in strategy.paths.items():
        for number, stage in enumerate(path.stages):
            if (name, stage.id) not in reached_stages:
                yield located_yaml.at(
                    lines, ("paths", name, "stages", number, "enter_when"),
                    f"stage {stage.id!r} is unreachable: on {probe.PROBE_SIZE:,} synthetic accounts of its "
                    "segments none meets its entry condition without also meeting a later stage's",
                )  # fmt: skip
