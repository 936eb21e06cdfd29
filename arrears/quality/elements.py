"""Find the expected elements of a collection contact in a transcript or notes, pure: no Django.

``check_elements(text, language="zh"|"en", facts=…)`` returns one finding per element of
``ELEMENT_KEYS`` — greeting, the collector and the creditor named, the amount and the due date
stated, a solution offered, a next step agreed, a closing — each with the snippet that shows it.
The words are data (``defaults/elements.yaml``); amounts and dates are read as values, so with
``facts`` a stated amount or date must be the real one. In a transcript whose lines are labelled
("坐席：…", "Debtor: …") only the collector's lines count.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ELEMENTS_FILE = Path(__file__).parent / "defaults" / "elements.yaml"
ELEMENT_KEYS = (
    "greeting",
    "identify_self",
    "identify_creditor",
    "state_amount",
    "state_due_date",
    "offer_solution",
    "agree_next_step",
    "closing",
)
LANGUAGES = ("zh", "en")
# Why an amount or a date was not accepted although one was stated.
AMOUNT_MISMATCH = "amount_mismatch"
DATE_MISMATCH = "date_mismatch"
_SNIPPET_MARGIN = 16
_SENTENCE = re.compile(r"[^。！？!?;；\n]+(?:[。！？!?;；]|\.(?=\s|$)|$)")
_MONEY = re.compile(
    r"(?:(?P<before>[¥$£€]|\b(?:rmb|cny|usd|gbp|eur))\s?)?"
    r"(?P<number>\d{1,3}(?:,\d{3})+|\d+)(?P<fraction>\.\d{1,2})?(?!\d)"
    r"(?:\s?(?P<wan>万))?(?:\s?(?P<after>元|块|圆|(?:yuan|rmb|cny|dollars?|pounds?|euros?)\b))?"
)
# Digits that are an identifier, never an amount: a card's or account's last digits, a staff number.
_NOT_AN_AMOUNT = re.compile(
    r"(尾号|工号|编号|卡号|账号|ending in|ends in|number|no\.|id)\s?(为|是|:|：)?\s?$"
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATES = (
    re.compile(r"(?:(?P<year>\d{4})\s?年\s?)?(?P<month>\d{1,2})\s?月\s?(?P<day>\d{1,2})\s?[日号]"),
    re.compile(r"(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})"),
    re.compile(
        rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?: of)? (?P<month_name>{_MONTH_NAMES})\b\.?(?:,? (?P<year>\d{{4}}))?"
    ),
    re.compile(
        rf"\b(?P<month_name>{_MONTH_NAMES})\.? (?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,? (?P<year>\d{{4}}))?"
    ),
)


class UnknownLanguage(ValueError):
    """A language other than ``zh`` or ``en``."""


class ElementsFileError(ValueError):
    """The elements file is not what this module reads."""


@dataclass(frozen=True, slots=True)
class ElementFacts:
    """What is true about the debt, so a stated amount or due date can be checked against it."""

    amount: Decimal | None = None
    due_date: date | None = None


@dataclass(frozen=True, slots=True)
class ElementFinding:
    """Whether one element was found, the snippet that shows it and where it is in the text.

    ``detail`` says why a stated element was not accepted (``amount_mismatch``, ``date_mismatch``);
    then ``evidence`` is the snippet with the wrong value.
    """

    key: str
    found: bool
    evidence: str = ""
    start: int = 0
    end: int = 0
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Element:
    """One element as the file describes it: labels and compiled patterns per language."""

    key: str
    labels: Mapping[str, str]
    patterns: Mapping[str, tuple[re.Pattern[str], ...]]


@dataclass(frozen=True, slots=True)
class Catalog:
    """The elements and the speaker labels of transcripts."""

    elements: Mapping[str, Element]
    collector_speakers: tuple[str, ...]
    other_speakers: tuple[str, ...]


def check_elements(text: str, *, language: str, facts: ElementFacts | None = None) -> list[ElementFinding]:
    """Return one finding per element of ``ELEMENT_KEYS``, in that order, for ``text`` in ``language``.

    :raises UnknownLanguage: a language other than ``zh`` or ``en`` (``zh-hans``, ``en-GB`` are fine).
    """
    short = _short_language(language)
    catalog = load_catalog()
    folded = _fold(text)
    segments = list(_collector_segments(folded, catalog))
    facts = facts or ElementFacts()
    findings = []
    for key in ELEMENT_KEYS:
        element = catalog.elements[key]
        if key == "state_amount":
            finding = _amount_finding(text, folded, segments, element.patterns[short], facts.amount)
        elif key == "state_due_date":
            finding = _date_finding(text, folded, segments, element.patterns[short], facts.due_date)
        else:
            finding = _pattern_finding(key, text, folded, segments, element.patterns[short])
        findings.append(finding)
    return findings


def element_label(key: str, language: str) -> str:
    """Return the label of element ``key`` in ``language`` (zh or en).

    :raises KeyError: an element the catalog does not have.
    :raises UnknownLanguage: a language other than ``zh`` or ``en``.
    """
    return load_catalog().elements[key].labels[_short_language(language)]


@cache
def load_catalog(path: Path = ELEMENTS_FILE) -> Catalog:
    """Read and compile the elements file (once per path).

    :raises ElementsFileError: an element missing, a label or a language missing, a bad pattern.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("elements"), dict):
        raise ElementsFileError(f"{path.name}: expected a mapping with 'elements'")
    elements = {key: _element(key, value, path) for key, value in data["elements"].items()}
    missing = [key for key in ELEMENT_KEYS if key not in elements]
    if missing:
        raise ElementsFileError(f"{path.name}: elements missing: {', '.join(missing)}")
    speakers = data.get("speakers") or {}
    return Catalog(
        elements=elements,
        collector_speakers=tuple(_fold(name) for name in speakers.get("collector", ())),
        other_speakers=tuple(_fold(name) for name in speakers.get("other", ())),
    )


def _element(key: str, value: Any, path: Path) -> Element:
    if not isinstance(value, dict):
        raise ElementsFileError(f"{path.name}: elements.{key}: expected a mapping")
    labels = value.get("label") or {}
    patterns: dict[str, tuple[re.Pattern[str], ...]] = {}
    for language in LANGUAGES:
        if not labels.get(language):
            raise ElementsFileError(f"{path.name}: elements.{key}.label.{language} is missing")
        try:
            patterns[language] = tuple(re.compile(_fold(source)) for source in value.get(language) or ())
        except re.error as exc:
            raise ElementsFileError(f"{path.name}: elements.{key}.{language}: {exc}") from exc
    return Element(key=key, labels=dict(labels), patterns=patterns)


def _short_language(language: str) -> str:
    short = language.lower().replace("_", "-").split("-")[0]
    if short not in LANGUAGES:
        raise UnknownLanguage(f"Unknown language {language!r} for the element checks; use zh or en")
    return short


def _fold(text: str) -> str:
    """Fold width and case character by character, so offsets in the result are offsets in ``text``."""
    folded = []
    for character in text:
        normal = unicodedata.normalize("NFKC", character).lower()
        folded.append(normal if len(normal) == 1 else character)
    return "".join(folded)


def _collector_segments(folded: str, catalog: Catalog) -> Iterator[tuple[int, int]]:
    """Yield the spans said by the collector: every line, unless the lines are labelled by speaker."""
    labels = "|".join(re.escape(name) for name in (*catalog.collector_speakers, *catalog.other_speakers))
    speaker = re.compile(rf"^\s*(?:\[[^\]]*\]\s*)?({labels})[^:：\n]{{0,12}}[:：]", re.MULTILINE)
    matches = list(speaker.finditer(folded)) if labels else []
    if not matches:
        yield 0, len(folded)
        return
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(folded)
        if match.group(1) in catalog.collector_speakers:
            yield match.end(), end


def _search(
    folded: str, segments: list[tuple[int, int]], patterns: tuple[re.Pattern[str], ...]
) -> re.Match[str] | None:
    """Return the earliest match of any pattern inside the segments."""
    best: re.Match[str] | None = None
    for start, end in segments:
        for pattern in patterns:
            match = pattern.search(folded, start, end)
            if match and (best is None or match.start() < best.start()):
                best = match
        if best is not None:
            return best
    return None


def _pattern_finding(
    key: str, text: str, folded: str, segments: list[tuple[int, int]], patterns: tuple[re.Pattern[str], ...]
) -> ElementFinding:
    match = _search(folded, segments, patterns)
    if match is None:
        return ElementFinding(key=key, found=False)
    return _found(key, text, match.start(), match.end())


def _found(
    key: str, text: str, start: int, end: int, *, found: bool = True, detail: str = ""
) -> ElementFinding:
    return ElementFinding(
        key=key, found=found, evidence=_snippet(text, start, end), start=start, end=end, detail=detail
    )


def _snippet(text: str, start: int, end: int) -> str:
    """Return the matched span with some context, cut at line ends, marked with … where shortened."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    left = max(line_start, start - _SNIPPET_MARGIN)
    right = min(line_end, end + _SNIPPET_MARGIN)
    return ("…" if left > line_start else "") + text[left:right].strip() + ("…" if right < line_end else "")


def _sentences(folded: str, segments: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    for start, end in segments:
        for match in _SENTENCE.finditer(folded, start, end):
            if match.group().strip():
                yield match.start(), match.end()


def _amount_finding(
    text: str,
    folded: str,
    segments: list[tuple[int, int]],
    keywords: tuple[re.Pattern[str], ...],
    amount: Decimal | None,
) -> ElementFinding:
    """Find a stated amount: a number with a currency, or in a sentence about the debt.

    With the real ``amount`` known, a stated amount must equal it to the cent; a different one is a
    finding with ``amount_mismatch``.
    """
    wrong: ElementFinding | None = None
    for start, end in _sentences(folded, segments):
        sentence = folded[start:end]
        dates = [match.span() for pattern in _DATES for match in pattern.finditer(sentence)]
        about_debt = any(pattern.search(sentence) for pattern in keywords)
        for match in _MONEY.finditer(sentence):
            if any(left <= match.start("number") < right for left, right in dates):
                continue
            if _NOT_AN_AMOUNT.search(sentence[: match.start()]):
                continue
            has_currency = bool(match.group("before") or match.group("after") or match.group("wan"))
            if not (has_currency or about_debt):
                continue
            value = _money_value(match)
            span = (start + match.start(), start + match.end())
            if amount is None or value == amount:
                return _found("state_amount", text, *span)
            wrong = wrong or _found("state_amount", text, *span, found=False, detail=AMOUNT_MISMATCH)
    return wrong or ElementFinding(key="state_amount", found=False)


def _money_value(match: re.Match[str]) -> Decimal | None:
    try:
        value = Decimal(match.group("number").replace(",", "") + (match.group("fraction") or ""))
    except InvalidOperation:
        return None
    return value * 10000 if match.group("wan") else value


def _date_finding(
    text: str,
    folded: str,
    segments: list[tuple[int, int]],
    keywords: tuple[re.Pattern[str], ...],
    due_date: date | None,
) -> ElementFinding:
    """Find a stated due date: a date in a sentence about the debt falling due.

    With the real ``due_date`` known, the stated month and day (and year, when said) must be it;
    a different date is a finding with ``date_mismatch``.
    """
    wrong: ElementFinding | None = None
    for start, end in _sentences(folded, segments):
        sentence = folded[start:end]
        if not any(pattern.search(sentence) for pattern in keywords):
            continue
        for pattern in _DATES:
            for match in pattern.finditer(sentence):
                span = (start + match.start(), start + match.end())
                if due_date is None or _same_day(match, due_date):
                    return _found("state_due_date", text, *span)
                wrong = wrong or _found("state_due_date", text, *span, found=False, detail=DATE_MISMATCH)
    return wrong or ElementFinding(key="state_due_date", found=False)


def _same_day(match: re.Match[str], due_date: date) -> bool:
    groups = match.groupdict()
    month = _MONTHS[groups["month_name"]] if groups.get("month_name") else int(groups["month"])
    year = groups.get("year")
    return (
        month == due_date.month
        and int(groups["day"]) == due_date.day
        and (year is None or int(year) == due_date.year)
    )
