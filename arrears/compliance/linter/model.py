"""What the linter reads (the context) and returns (hits, a verdict)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    """How bad a hit is: BLOCK stops the text, REVIEW needs a person, WARN informs."""

    BLOCK = "BLOCK"
    REVIEW = "REVIEW"
    WARN = "WARN"

    @property
    def rank(self) -> int:
        """Return 3 for BLOCK, 2 for REVIEW, 1 for WARN (higher is more severe)."""
        return {Severity.BLOCK: 3, Severity.REVIEW: 2, Severity.WARN: 1}[self]


@dataclass(frozen=True, slots=True)
class LintContext:
    """What is true about the debt, the sender and the channel; the defaults are the cautious ones.

    Every boolean is false by default, so a phrase that is only acceptable when something is true
    (a lawsuit may be mentioned when legal action is allowed…) is flagged until the caller says so.
    """

    legal_action_allowed: bool = False
    time_barred: bool = False
    reports_to_credit_bureaus: bool = False
    is_attorney: bool = False
    has_legal_department: bool = False
    has_judgment: bool = False
    fees_authorized: bool = False
    validation_period_ended: bool = False
    channel: str | None = None
    sender_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LintHit:
    """One rule that fired, with the offending span in the original text.

    A *missing-element* hit (a required disclosure absent) has an empty span: ``start == end == 0``,
    ``matched == ""`` and ``is_missing`` true.
    """

    rule_id: str
    severity: Severity
    start: int
    end: int
    matched: str
    title: dict[str, str] = field(hash=False)
    source: str
    is_missing: bool = False


@dataclass(frozen=True, slots=True)
class LintResult:
    """Every hit, ordered by start offset, and the verdict they add up to."""

    hits: tuple[LintHit, ...]

    @property
    def verdict(self) -> Severity | None:
        """Return the most severe hit's severity, or None when the text is clean."""
        if not self.hits:
            return None
        return max((hit.severity for hit in self.hits), key=lambda severity: severity.rank)

    @property
    def is_blocked(self) -> bool:
        """Tell whether any hit is a BLOCK."""
        return any(hit.severity is Severity.BLOCK for hit in self.hits)
