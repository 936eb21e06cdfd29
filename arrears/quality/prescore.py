"""The pre-score: what the evidence of a contact already says about each scorecard item.

The transcript (pasted or uploaded) and the collector's note are linted with the portfolio's packs,
and checked for the expected elements (``quality.elements``) against the debt's real amount and due
date. Each item whose ``evidence`` names elements or linter severities gets a suggested mark with
its reasons; the reviewer confirms or overrides it. A note is a summary, so an element missing from
a note suggests nothing — only a transcript can show that something was not said.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from arrears.casework.models import Activity
from arrears.compliance import policies
from arrears.compliance.linter import ALL_PACKS, LintContext, LintHit, Severity, lint
from arrears.portfolio import ledger
from arrears.portfolio.models import Portfolio
from arrears.quality import elements, scoring
from arrears.quality.elements import ElementFacts, ElementFinding

_CHINESE = re.compile(r"[\u3400-\u9fff]")
LINTER_EVIDENCE = {"linter:block": Severity.BLOCK, "linter:review": Severity.REVIEW}


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A suggested mark for one item and why: element keys missing or found, linter rules hit."""

    mark: scoring.Mark
    reasons: tuple[str, ...]


def suggest_marks(
    spec: scoring.ScorecardSpec,
    findings: Sequence[ElementFinding],
    hits: Sequence[LintHit],
    *,
    has_transcript: bool,
) -> dict[str, Suggestion]:
    """Return a suggested mark for each item the evidence can speak to (pure).

    An element item passes when every element it names was found, and fails when one is missing —
    from a transcript only. A linter item fails on any hit at or above its severity (from a note
    too: a flagged note is evidence), and passes on none when there is a transcript.
    """
    found = {finding.key: finding for finding in findings}
    suggestions: dict[str, Suggestion] = {}
    for item in spec.items:
        element_keys = [key for key in item.evidence if key in found]
        severities = [LINTER_EVIDENCE[key] for key in item.evidence if key in LINTER_EVIDENCE]
        if severities:
            floor = min(severity.rank for severity in severities)
            offending = tuple(sorted({hit.rule_id for hit in hits if hit.severity.rank >= floor}))
            if offending:
                suggestions[item.key] = Suggestion(scoring.Mark.FAIL, offending)
            elif has_transcript and not element_keys:
                suggestions[item.key] = Suggestion(scoring.Mark.PASS, ())
        if element_keys and item.key not in suggestions:
            missing = tuple(key for key in element_keys if not found[key].found)
            if not missing:
                suggestions[item.key] = Suggestion(scoring.Mark.PASS, tuple(element_keys))
            elif has_transcript:
                suggestions[item.key] = Suggestion(scoring.Mark.FAIL, missing)
    return suggestions


def linter_packs(portfolio: Portfolio) -> tuple[str, ...]:
    """Return the linter packs the portfolio applies (all when it names none the linter has)."""
    return tuple(pack for pack in policies.get_pack_names(portfolio) if pack in ALL_PACKS) or ALL_PACKS


def language_of(text: str) -> str:
    """Return ``zh`` when the text has Chinese characters, else ``en``."""
    return "zh" if _CHINESE.search(text) else "en"


def prescore(
    *, activity: Activity, transcript: str, spec: scoring.ScorecardSpec, owed: Decimal | None = None,
    packs: tuple[str, ...] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Return the pre-score of a contact as JSON-ready data (kept on the review).

    ``owed`` (the debt's balance on the contact's local day) and ``packs`` (the portfolio's linter
    packs) are read when not given; a sample passes them in, read once for all its contacts.
    Keys: ``source`` (transcript, note or none), ``language``, ``facts``, ``elements`` (each finding),
    ``linter`` (each hit), ``suggested`` (item key → mark and reasons).
    """
    note = activity.note.strip()
    text = transcript.strip() or note
    if not text:
        return {"source": "none", "language": "", "elements": [], "linter": [], "suggested": {}}
    case = activity.case
    debt = case.debt
    if owed is None:
        local_day = activity.created_at.astimezone(ZoneInfo(case.portfolio.time_zone)).date()
        owed = ledger.get_balances(debt_id=debt.pk, as_of=local_day).total
    facts = ElementFacts(amount=owed, due_date=debt.due_date)
    language = language_of(text)
    findings = _findings(text, language, facts)
    packs = packs or linter_packs(case.portfolio)
    context = LintContext(legal_action_allowed=debt.verified_at is not None)
    linted = "\n".join(part for part in (transcript.strip(), note) if part)
    hits = lint(linted, language=None, packs=packs, context=context).hits
    suggestions = suggest_marks(spec, findings, hits, has_transcript=bool(transcript.strip()))
    return {
        "source": "transcript" if transcript.strip() else "note",
        "language": language,
        "facts": {"amount": str(facts.amount), "due_date": debt.due_date.isoformat()},
        "elements": [
            {"key": f.key, "found": f.found, "evidence": f.evidence, "detail": f.detail} for f in findings
        ],
        "linter": [
            {
                "rule_id": hit.rule_id,
                "severity": str(hit.severity),
                "matched": hit.matched,
                "title": dict(hit.title),
            }
            for hit in hits
        ],
        "suggested": {
            key: {"mark": str(suggestion.mark), "reasons": list(suggestion.reasons)}
            for key, suggestion in suggestions.items()
        },
    }


def _findings(text: str, language: str, facts: ElementFacts) -> list[ElementFinding]:
    """Check the elements in the text's language, then fill what is missing from the other one."""
    first = elements.check_elements(text, language=language, facts=facts)
    other = elements.check_elements(text, language="en" if language == "zh" else "zh", facts=facts)
    return [a if a.found or not b.found else b for a, b in zip(first, other, strict=True)]
