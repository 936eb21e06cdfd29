"""Scorecards and the arithmetic of a score, pure: no Django.

A scorecard is a list of items, each with a weight (the weights add up to 100), a section, labels
in English and Chinese and a critical flag. A reviewer marks each item pass, fail or — where the
item allows it — not applicable. The score is the weight of the passed items over the weight of the
applicable ones, as a percentage to two places (half up); a contact passes when that reaches the
scorecard's pass mark and no critical item failed. Problems travel as codes with parameters; the
interface turns them into sentences.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

DEFAULT_SCORECARD_FILE = Path(__file__).parent / "defaults" / "scorecard.yaml"
TOTAL_WEIGHT = Decimal(100)
DEFAULT_PASS_PERCENT = Decimal(80)
DEFAULT_COACHING_PERCENT = Decimal(85)
_HUNDREDTH = Decimal("0.01")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class Mark(StrEnum):
    """A reviewer's mark on one item."""

    PASS = "pass"  # noqa: S105 (a mark, not a password)
    FAIL = "fail"
    NOT_APPLICABLE = "na"


@dataclass(frozen=True, slots=True)
class Section:
    """A group of items on the scorecard (the five principles, the conversation skills)."""

    key: str
    label_en: str
    label_zh: str


@dataclass(frozen=True, slots=True)
class ScorecardItem:
    """One thing a reviewer judges; ``evidence`` names what the pre-score may use for it.

    ``evidence`` holds element keys of ``quality.elements`` (all must be found to pass) and
    ``linter:block`` / ``linter:review`` (no content-linter hit of that severity or worse).
    """

    key: str
    label_en: str
    label_zh: str
    weight: Decimal
    section: str
    critical: bool = False
    allows_not_applicable: bool = False
    guidance_en: str = ""
    guidance_zh: str = ""
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ScorecardSpec:
    """A whole scorecard: sections, items, the pass mark and the score below which coaching follows.

    A failed contact always opens coaching; one that passed but scored below ``coaching_percent``
    (a low score) does too.
    """

    sections: tuple[Section, ...]
    items: tuple[ScorecardItem, ...]
    pass_percent: Decimal = DEFAULT_PASS_PERCENT
    coaching_percent: Decimal = DEFAULT_COACHING_PERCENT

    def item(self, key: str) -> ScorecardItem:
        """Return the item ``key``.

        :raises KeyError: no such item.
        """
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with a scorecard or a set of marks: a code, the item or field, parameters."""

    code: str
    key: str = ""
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """The score of one set of marks.

    ``points`` is the weight of the passed items, ``possible`` the weight of the applicable ones,
    ``percent`` the one over the other (100.00 when nothing applies).
    """

    points: Decimal
    possible: Decimal
    percent: Decimal
    passed: bool
    failed: tuple[str, ...]
    failed_critical: tuple[str, ...]


class InvalidMarks(ValueError):
    """Marks that do not fit the scorecard: missing, unknown, or not applicable where not allowed."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(f"{problem.code} {problem.key}".strip() for problem in problems))
        self.problems = tuple(problems)


class InvalidSpec(ValueError):
    """Scorecard data that cannot be read or does not validate."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(f"{problem.code} {problem.key}".strip() for problem in problems))
        self.problems = tuple(problems)


def validate_spec(spec: ScorecardSpec) -> list[Problem]:
    """Return every problem of ``spec``: weights not adding up to 100, keys repeated or malformed…"""
    problems: list[Problem] = []
    if not spec.items:
        problems.append(Problem("no_items"))
    section_keys = [section.key for section in spec.sections]
    problems += [
        Problem("duplicate_section", key) for key, count in Counter(section_keys).items() if count > 1
    ]
    for section in spec.sections:
        problems += _label_problems("section", section.key, section.label_en, section.label_zh)
    problems += [
        Problem("duplicate_key", key)
        for key, count in Counter(i.key for i in spec.items).items()
        if count > 1
    ]
    for item in spec.items:
        problems += _item_problems(item, frozenset(section_keys))
    total = sum((item.weight for item in spec.items), Decimal(0))
    if spec.items and total != TOTAL_WEIGHT:
        problems.append(
            Problem("weights_total", params={"total": _plain(total), "expected": _plain(TOTAL_WEIGHT)})
        )
    if not Decimal(0) < spec.pass_percent <= TOTAL_WEIGHT:
        problems.append(Problem("pass_percent_range", params={"value": _plain(spec.pass_percent)}))
    elif not spec.pass_percent <= spec.coaching_percent <= TOTAL_WEIGHT:
        problems.append(
            Problem(
                "coaching_percent_range",
                params={"value": _plain(spec.coaching_percent), "pass_percent": _plain(spec.pass_percent)},
            )
        )
    return problems


def _item_problems(item: ScorecardItem, sections: frozenset[str]) -> list[Problem]:
    problems = _label_problems("item", item.key, item.label_en, item.label_zh)
    if item.weight <= 0:
        problems.append(Problem("weight_not_positive", item.key, {"weight": _plain(item.weight)}))
    elif item.weight != item.weight.quantize(_HUNDREDTH):
        problems.append(Problem("weight_precision", item.key, {"weight": _plain(item.weight)}))
    if item.section not in sections:
        problems.append(Problem("unknown_section", item.key, {"section": item.section}))
    return problems


def _label_problems(kind: str, key: str, label_en: str, label_zh: str) -> list[Problem]:
    problems = []
    if not _KEY.match(key):
        problems.append(Problem(f"{kind}_key_format", key))
    if not label_en.strip() or not label_zh.strip():
        problems.append(Problem(f"{kind}_label_missing", key))
    return problems


def check_marks(spec: ScorecardSpec, marks: Mapping[str, Mark]) -> list[Problem]:
    """Return what keeps ``marks`` from scoring on ``spec``: items unmarked, unknown, wrongly n/a."""
    keys = {item.key for item in spec.items}
    problems = [Problem("unmarked", item.key) for item in spec.items if item.key not in marks]
    problems += [Problem("unknown_item", key) for key in marks if key not in keys]
    problems += [
        Problem("not_applicable_refused", item.key)
        for item in spec.items
        if marks.get(item.key) is Mark.NOT_APPLICABLE and not item.allows_not_applicable
    ]
    return problems


def score(spec: ScorecardSpec, marks: Mapping[str, Mark]) -> ScoreResult:
    """Score ``marks`` (item key → mark) on ``spec``.

    :raises InvalidMarks: an item unmarked, a mark for an unknown item, n/a where not allowed.
    """
    problems = check_marks(spec, marks)
    if problems:
        raise InvalidMarks(problems)
    applicable = [item for item in spec.items if marks[item.key] is not Mark.NOT_APPLICABLE]
    possible = sum((item.weight for item in applicable), Decimal(0))
    points = sum((item.weight for item in applicable if marks[item.key] is Mark.PASS), Decimal(0))
    percent = (points * 100 / possible).quantize(_HUNDREDTH, ROUND_HALF_UP) if possible else Decimal("100.00")
    failed = tuple(item.key for item in applicable if marks[item.key] is Mark.FAIL)
    failed_critical = tuple(key for key in failed if spec.item(key).critical)
    return ScoreResult(
        points=points,
        possible=possible,
        percent=percent,
        passed=percent >= spec.pass_percent and not failed_critical,
        failed=failed,
        failed_critical=failed_critical,
    )


def spec_from_data(data: Any) -> ScorecardSpec:
    """Build a spec from plain data (YAML or JSON: ``pass_percent``, ``sections``, ``items``).

    Reading is not validating: call ``validate_spec`` on the result.

    :raises InvalidSpec: the data is not shaped like a scorecard (a field missing, a weight not a number).
    """
    if not isinstance(data, Mapping):
        raise InvalidSpec([Problem("not_a_mapping")])
    problems: list[Problem] = []
    sections = tuple(
        _section(entry, index, problems) for index, entry in enumerate(_list(data, "sections", problems))
    )
    items = tuple(_item(entry, index, problems) for index, entry in enumerate(_list(data, "items", problems)))
    pass_percent = _decimal(data.get("pass_percent", DEFAULT_PASS_PERCENT), "pass_percent", problems)
    coaching_percent = _decimal(
        data.get("coaching_percent", max(pass_percent, DEFAULT_COACHING_PERCENT)),
        "coaching_percent",
        problems,
    )
    if problems:
        raise InvalidSpec(problems)
    return ScorecardSpec(
        sections=sections, items=items, pass_percent=pass_percent, coaching_percent=coaching_percent
    )


def default_spec() -> ScorecardSpec:
    """Read the default scorecard drawn from the training manual (``defaults/scorecard.yaml``).

    :raises InvalidSpec: the file is not shaped like a scorecard.
    """
    return spec_from_data(yaml.safe_load(DEFAULT_SCORECARD_FILE.read_text(encoding="utf-8")))


def spec_to_data(spec: ScorecardSpec) -> dict[str, Any]:
    """Return ``spec`` as plain JSON-ready data (decimals as strings); ``spec_from_data`` reads it back."""
    return {
        "pass_percent": _plain(spec.pass_percent),
        "coaching_percent": _plain(spec.coaching_percent),
        "sections": [{"key": s.key, "label_en": s.label_en, "label_zh": s.label_zh} for s in spec.sections],
        "items": [
            {
                "key": item.key,
                "label_en": item.label_en,
                "label_zh": item.label_zh,
                "weight": _plain(item.weight),
                "section": item.section,
                "critical": item.critical,
                "allows_not_applicable": item.allows_not_applicable,
                "guidance_en": item.guidance_en,
                "guidance_zh": item.guidance_zh,
                "evidence": list(item.evidence),
            }
            for item in spec.items
        ],
    }


def _list(data: Mapping[str, Any], name: str, problems: list[Problem]) -> list[Any]:
    value = data.get(name)
    if not isinstance(value, list):
        problems.append(Problem("field_not_a_list", name))
        return []
    return value


def _section(entry: Any, index: int, problems: list[Problem]) -> Section:
    entry = entry if isinstance(entry, Mapping) else {}
    return Section(
        key=_text(entry, "key", f"sections[{index}]", problems),
        label_en=_text(entry, "label_en", f"sections[{index}]", problems),
        label_zh=_text(entry, "label_zh", f"sections[{index}]", problems),
    )


def _item(entry: Any, index: int, problems: list[Problem]) -> ScorecardItem:
    where = f"items[{index}]"
    entry = entry if isinstance(entry, Mapping) else {}
    evidence = entry.get("evidence") or []
    return ScorecardItem(
        key=_text(entry, "key", where, problems),
        label_en=_text(entry, "label_en", where, problems),
        label_zh=_text(entry, "label_zh", where, problems),
        weight=_decimal(entry.get("weight"), f"{where}.weight", problems),
        section=_text(entry, "section", where, problems),
        critical=bool(entry.get("critical", False)),
        allows_not_applicable=bool(entry.get("allows_not_applicable", False)),
        guidance_en=str(entry.get("guidance_en") or ""),
        guidance_zh=str(entry.get("guidance_zh") or ""),
        evidence=tuple(str(name) for name in evidence) if isinstance(evidence, list) else (),
    )


def _text(entry: Mapping[str, Any], name: str, where: str, problems: list[Problem]) -> str:
    value = entry.get(name)
    if not isinstance(value, str):
        problems.append(Problem("field_missing", f"{where}.{name}"))
        return ""
    return value


def _decimal(value: Any, where: str, problems: list[Problem]) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        problems.append(Problem("not_a_number", where))
        return Decimal(0)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        problems.append(Problem("not_a_number", where))
        return Decimal(0)
    if not number.is_finite():
        problems.append(Problem("not_a_number", where))
        return Decimal(0)
    return number


def _plain(value: Decimal) -> str:
    """Write a decimal without an exponent or trailing zeros: 100, 12.5."""
    return format(value.normalize(), "f")
