"""Practice scenarios: a simulated debtor's branching script, as YAML, checked with line numbers. Pure.

A scenario is a persona (forgot, hardship, dispute, refusal, clerk), the facts of a debt, and nodes.
Each node is one debtor line (English and Chinese) and either branches — where the trainee's reply
leads — or an outcome that ends the conversation. A branch applies when the reply ``shows`` every
listed element or intent, ``shows_any`` of them, is the trainee's ``choice``, breaks a blocking
linter rule (``violation``), or ``otherwise``; the first that applies wins. Elements are the quality
review's (``quality.elements``); intents are the scenario's own phrases. ``load_scenario`` refuses
a file with an unknown target, an unreachable node or a dead end, naming the line of each.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from arrears.core import located_yaml
from arrears.core.located_yaml import Location
from arrears.quality.elements import ELEMENT_KEYS
from arrears.training.documents import InvalidDocument, load_document
from arrears.training.texts import Text

PERSONAS = ("forgot", "hardship", "dispute", "refusal", "clerk")
OUTCOMES = ("paid", "promise", "plan", "dispute_recorded", "escalated", "refused", "complaint", "hung_up")
ELEMENTS = ELEMENT_KEYS
__all__ = ["ELEMENTS", "OUTCOMES", "PERSONAS", "InvalidDocument", "Scenario", "load_scenario"]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,49}$")]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Phrases(_Model):
    """Words that show an intent, per language (matched ignoring case and spaces), and how to name it."""

    label: Text | None = None
    en: list[str] = Field(default_factory=list)
    zh: list[str] = Field(default_factory=list)

    def found_in(self, text: str) -> bool:
        """Tell whether ``text`` contains any of the phrases."""
        folded = _fold(text)
        return any(_fold(phrase) in folded for phrase in (*self.en, *self.zh) if phrase.strip())


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


class Branch(_Model):
    """Where a reply leads: exactly one of ``shows``, ``shows_any``, ``choice``, ``violation``, ``otherwise``."""

    goto: str
    shows: list[str] = Field(default_factory=list)
    shows_any: list[str] = Field(default_factory=list)
    choice: Slug | None = None
    label: Text | None = None
    violation: bool = False
    otherwise: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        kinds = [
            bool(self.shows),
            bool(self.shows_any),
            self.choice is not None,
            self.violation,
            self.otherwise,
        ]
        if sum(kinds) != 1:
            raise ValueError("a branch needs exactly one of shows, shows_any, choice, violation or otherwise")
        if (self.choice is None) != (self.label is None):
            raise ValueError("a choice needs a label (en and zh), and only a choice has one")
        return self

    @property
    def names(self) -> list[str]:
        """Return the elements and intents the branch looks for."""
        return [*self.shows, *self.shows_any]


class Node(_Model):
    """One debtor line; branches lead on, an outcome ends the conversation."""

    debtor: Text
    coach: Text | None = None
    expect: list[str] = Field(default_factory=list)
    branches: list[Branch] = Field(default_factory=list)
    outcome: Literal[OUTCOMES] | None = None  # type: ignore[valid-type]
    success: bool = False

    @property
    def is_terminal(self) -> bool:
        """Tell whether the conversation ends here."""
        return self.outcome is not None

    @property
    def choices(self) -> list[Branch]:
        """Return the branches the trainee picks rather than types."""
        return [branch for branch in self.branches if branch.choice is not None]

    @property
    def takes_text(self) -> bool:
        """Tell whether the trainee types a reply here (some branch is not a choice)."""
        return any(branch.choice is None for branch in self.branches)


Pack = Literal["cn", "us-regf", "uk-conc"]


def _chinese_pack() -> list[Pack]:
    return ["cn"]


class Facts(_Model):
    """The debt the conversation is about."""

    creditor: Text
    amount: Decimal = Field(gt=0, max_digits=18, decimal_places=2)
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    due_date: date
    account_tail: Annotated[str, Field(pattern=r"^[0-9]{0,6}$")] = ""
    packs: list[Pack] = Field(default_factory=_chinese_pack, min_length=1)
    legal_action_allowed: bool = False
    reports_to_credit_bureaus: bool = False


class Scenario(_Model):
    """A checked practice scenario."""

    scenario: Slug
    version: int = Field(ge=1)
    persona: Literal[PERSONAS]  # type: ignore[valid-type]
    title: Text
    brief: Text
    facts: Facts
    intents: dict[Slug, Phrases] = Field(default_factory=dict)
    start: str
    pass_mark: int = Field(default=70, ge=0, le=100)
    nodes: dict[Slug, Node]

    @property
    def label(self) -> str:
        """Return ``name@version``."""
        return f"{self.scenario}@{self.version}"

    def node(self, node_id: str) -> Node:
        """Return the node ``node_id`` (KeyError when the scenario has none)."""
        return self.nodes[node_id]


def load_scenario(text: str, *, source: str = "<scenario>") -> Scenario:
    """Parse and check a scenario from YAML text: names and targets first, then shape and reachability.

    :raises InvalidDocument: listing every problem as ``line N: where: what is wrong``.
    """
    return load_document(
        text, Scenario, source=source, checks=(_check_references, _check_graph), what="scenario"
    )


def _check_references(scenario: Scenario, lines: dict[Location, int]) -> Iterator[str]:
    yield from _check_names(scenario, lines)
    yield from _check_targets(scenario, lines)


def _check_graph(scenario: Scenario, lines: dict[Location, int]) -> Iterator[str]:
    yield from _check_shape(scenario, lines)
    yield from _check_reachability(scenario, lines)


def _check_names(scenario: Scenario, lines: dict[Location, int]) -> Iterator[str]:
    known = set(ELEMENTS) | set(scenario.intents)
    overlap = sorted(set(ELEMENTS) & set(scenario.intents))
    for name in overlap:
        yield located_yaml.at(lines, ("intents", name), f"intent {name!r} has the name of an element")
    for node_id, node in scenario.nodes.items():
        for index, name in enumerate(node.expect):
            if name not in known:
                yield located_yaml.at(lines, ("nodes", node_id, "expect", index), _unknown_name(name, known))
        for number, branch in enumerate(node.branches):
            for key in ("shows", "shows_any"):
                for index, name in enumerate(getattr(branch, key)):
                    if name not in known:
                        where = ("nodes", node_id, "branches", number, key, index)
                        yield located_yaml.at(lines, where, _unknown_name(name, known))


def _unknown_name(name: str, known: set[str]) -> str:
    return f"unknown element or intent {name!r}; known: {', '.join(sorted(known))}"


def _check_targets(scenario: Scenario, lines: dict[Location, int]) -> Iterator[str]:
    if scenario.start not in scenario.nodes:
        yield located_yaml.at(lines, ("start",), f"no node named {scenario.start!r}")
    for node_id, node in scenario.nodes.items():
        for number, branch in enumerate(node.branches):
            if branch.goto not in scenario.nodes:
                where = ("nodes", node_id, "branches", number, "goto")
                yield located_yaml.at(lines, where, f"no node named {branch.goto!r}")


def _check_shape(scenario: Scenario, lines: dict[Location, int]) -> Iterator[str]:
    for node_id, node in scenario.nodes.items():
        where: Location = ("nodes", node_id)
        if node.is_terminal and node.branches:
            yield located_yaml.at(
                lines, (*where, "branches"), f"node {node_id!r} has an outcome, which ends the conversation; "
                "remove its branches or its outcome",
            )  # fmt: skip
        elif not node.is_terminal and not node.branches:
            yield located_yaml.at(
                lines, where, f"node {node_id!r} is a dead end: it has neither branches nor an outcome"
            )
        elif node.success and not node.is_terminal:
            yield located_yaml.at(lines, (*where, "success"), "only a node with an outcome can be a success")
        yield from _check_branch_order(node_id, node, lines)
    if not any(node.success for node in scenario.nodes.values()):
        yield located_yaml.at(lines, ("nodes",), "no node is a successful outcome (success: true)")


def _check_branch_order(node_id: str, node: Node, lines: dict[Location, int]) -> Iterator[str]:
    where: Location = ("nodes", node_id, "branches")
    for number, branch in enumerate(node.branches):
        if branch.otherwise and number != len(node.branches) - 1:
            yield located_yaml.at(
                lines, (*where, number), "`otherwise` must be the last branch: the ones after it never apply"
            )
    choices = [branch.choice for branch in node.choices]
    for number, branch in enumerate(node.branches):
        if branch.choice is not None and choices.count(branch.choice) > 1:
            yield located_yaml.at(
                lines, (*where, number, "choice"), f"choice {branch.choice!r} is given twice"
            )
    if node.takes_text and not node.branches[-1].otherwise:
        yield located_yaml.at(
            lines, where, f"node {node_id!r} is a dead end for a reply that matches no branch: "
            "end its branches with `otherwise`",
        )  # fmt: skip


def _check_reachability(scenario: Scenario, lines: dict[Location, int]) -> Iterator[str]:
    reached = _reachable(scenario, scenario.start)
    for node_id in scenario.nodes:
        if node_id not in reached:
            yield located_yaml.at(
                lines, ("nodes", node_id), f"node {node_id!r} is unreachable from start {scenario.start!r}"
            )
    for node_id in reached:
        node = scenario.nodes[node_id]
        if (
            not node.is_terminal
            and node.branches
            and not any(scenario.nodes[other].is_terminal for other in _reachable(scenario, node_id))
        ):
            yield located_yaml.at(
                lines,
                ("nodes", node_id),
                f"node {node_id!r} is a dead end: no outcome can be reached from it",
            )


def _reachable(scenario: Scenario, start: str) -> set[str]:
    seen, waiting = {start}, deque([start])
    while waiting:
        for branch in scenario.nodes[waiting.popleft()].branches:
            if branch.goto not in seen:
                seen.add(branch.goto)
                waiting.append(branch.goto)
    return seen
