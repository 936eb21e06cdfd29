"""A practice conversation as the pages and the API show it: lines, feedback, the next line, the score."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from arrears.quality.elements import ELEMENT_KEYS, element_label
from arrears.quality.scoring import default_spec
from arrears.training import content
from arrears.training.models import PracticeSession, PracticeTurn, SessionStatus
from arrears.training.scenarios import Scenario
from arrears.training.texts import language_key


@dataclass(frozen=True)
class Hit:
    """A linter hit as shown: the rule, its severity, its title in the language, the words."""

    rule_id: str
    severity: str
    title: str
    matched: str


@dataclass(frozen=True)
class Turn:
    """One exchange: the debtor's line, the trainee's reply or choice, and the feedback on it."""

    number: int
    debtor: str
    reply: str
    choice: str
    hits: list[Hit]
    found: list[str]
    missing: list[str]
    mismatched: list[str]

    @property
    def is_blocked(self) -> bool:
        """Tell whether the linter blocked the reply."""
        return any(hit.severity == "BLOCK" for hit in self.hits)


@dataclass(frozen=True)
class Mark:
    """One scorecard item and the mark the conversation earned."""

    key: str
    label: str
    weight: Decimal
    mark: str


@dataclass(frozen=True)
class Transcript:
    """Everything the conversation page draws."""

    session: PracticeSession
    scenario: Scenario
    title: str
    brief: str
    turns: list[Turn]
    debtor: str
    coach: str
    takes_text: bool
    choices: list[tuple[str, str]] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)

    @property
    def is_finished(self) -> bool:
        """Tell whether the conversation has ended."""
        return self.session.status == SessionStatus.FINISHED


def name_of(scenario: Scenario, name: str, language: str) -> str:
    """Return the label of an element or intent in ``language``."""
    if name in ELEMENT_KEYS:
        return element_label(name, language_key(language))
    label = scenario.intents[name].label if name in scenario.intents else None
    return label.in_language(language) if label else name.replace("_", " ")


def describe(session: PracticeSession, *, language: str) -> Transcript:
    """Return the conversation in ``language`` (the page's; the trainee practises in the session's)."""
    scenario = content.scenario_of(session.scenario)
    node = scenario.node(session.node)
    turns = [_turn(turn, scenario, language, session.language) for turn in session.turns.order_by("number")]
    return Transcript(
        session=session, scenario=scenario, title=scenario.title.in_language(language),
        brief=scenario.brief.in_language(language), turns=turns, debtor=node.debtor.in_language(session.language),
        coach=node.coach.in_language(language) if node.coach else "",
        takes_text=not node.is_terminal and node.takes_text,
        choices=[] if node.is_terminal else [(b.choice or "", b.label.in_language(language)) for b in node.choices if b.label],
        marks=_marks(session, language),
    )  # fmt: skip


def _turn(turn: PracticeTurn, scenario: Scenario, language: str, spoken: str) -> Turn:
    """Return a turn: the debtor's line in the conversation's language (``spoken``), the feedback in the page's."""
    node = scenario.node(turn.node)
    choice = next((b.label for b in node.choices if b.choice == turn.choice and b.label), None)
    return Turn(
        number=turn.number,
        debtor=node.debtor.in_language(spoken),
        reply=turn.reply,
        choice=choice.in_language(language) if choice else "",
        hits=[
            Hit(
                hit["rule_id"],
                hit["severity"],
                hit["title"].get(language_key(language), hit["rule_id"]),
                hit["matched"],
            )
            for hit in turn.hits
        ],
        found=[name_of(scenario, name, language) for name in turn.found],
        missing=[name_of(scenario, name, language) for name in turn.expected if name not in turn.found],
        mismatched=[name_of(scenario, name, language) for name in turn.mismatched],
    )


def _marks(session: PracticeSession, language: str) -> list[Mark]:
    if not session.marks:
        return []
    chinese = language_key(language) == "zh"
    return [
        Mark(
            item.key,
            item.label_zh if chinese else item.label_en,
            item.weight,
            session.marks.get(item.key, ""),
        )
        for item in default_spec().items
    ]


def turn_data(turn: Turn) -> dict[str, Any]:
    """Return a shown turn as JSON-ready data (the API's)."""
    return {
        "number": turn.number, "debtor": turn.debtor, "reply": turn.reply, "choice": turn.choice,
        "blocked": turn.is_blocked, "hits": [hit.__dict__ for hit in turn.hits], "found": turn.found,
        "missing": turn.missing, "mismatched": turn.mismatched,
    }  # fmt: skip
