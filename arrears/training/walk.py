"""One step of a practice conversation, and the score of a whole one. Pure.

``take_step`` reads the trainee's reply at a node: the content linter's hits (the scenario's packs,
a call, the scenario's facts as context), the quality review's elements (amount and due date
checked against the scenario's facts) and the scenario's intents, then the branch that applies and
the next node. A choice step reads the choice instead. ``score_walk`` marks the scorecard from the
whole conversation and scores it with ``quality.scoring``; see docs/training.md, "How a practice
conversation is scored".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from arrears.compliance.linter import LintContext, LintHit, Severity, lint
from arrears.quality.elements import ElementFacts, check_elements
from arrears.quality.scoring import Mark, ScorecardSpec, ScoreResult, score
from arrears.training.scenarios import Branch, Node, Scenario
from arrears.training.texts import language_key

LINTER_EVIDENCE = {"linter:block": Severity.BLOCK, "linter:review": Severity.REVIEW}


class StepRefused(ValueError):
    """A step the node cannot take; ``code`` says why (``finished``, ``choice_needed``, ``unknown_choice``, ``empty``)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Step:
    """What one reply (or choice) at one node showed, and where it led."""

    node_id: str
    reply: str
    choice: str | None
    hits: tuple[LintHit, ...]
    found: tuple[str, ...]
    expected: tuple[str, ...]
    mismatched: tuple[str, ...]
    next_node: str

    @property
    def missing(self) -> tuple[str, ...]:
        """Return the expected elements and intents the reply did not show."""
        return tuple(name for name in self.expected if name not in self.found)

    @property
    def is_blocked(self) -> bool:
        """Tell whether the linter blocks the reply."""
        return any(hit.severity is Severity.BLOCK for hit in self.hits)


@dataclass(frozen=True)
class WalkScore:
    """The scorecard's marks for a conversation, its score, and whether the trainee passed."""

    marks: dict[str, Mark]
    result: ScoreResult
    outcome: str
    success: bool
    passed: bool


def lint_context(scenario: Scenario) -> LintContext:
    """Return the linter's context for replies in ``scenario``: a call, with the debt's facts."""
    facts = scenario.facts
    return LintContext(
        channel="call",
        legal_action_allowed=facts.legal_action_allowed,
        reports_to_credit_bureaus=facts.reports_to_credit_bureaus,
        sender_names=(facts.creditor.en, facts.creditor.zh),
    )


def take_step(
    scenario: Scenario, node_id: str, *, reply: str = "", choice: str | None = None, language: str
) -> Step:
    """Read the reply (or choice) at ``node_id`` and return what it showed and the next node.

    :raises StepRefused: the node ends the conversation, wants a choice, does not offer this
        choice, or the reply is empty.
    """
    node = scenario.node(node_id)
    if node.is_terminal:
        raise StepRefused("finished")
    if choice is not None:
        branch = next((item for item in node.choices if item.choice == choice), None)
        if branch is None:
            raise StepRefused("unknown_choice")
        return Step(node_id, "", choice, (), (), tuple(node.expect), (), branch.goto)
    if not node.takes_text:
        raise StepRefused("choice_needed")
    if not reply.strip():
        raise StepRefused("empty")
    hits = lint(
        reply, language=language_key(language), packs=scenario.facts.packs, context=lint_context(scenario)
    ).hits
    found, mismatched = _shown(scenario, reply, language)
    blocked = any(hit.severity is Severity.BLOCK for hit in hits)
    branch = _branch(node, set(found), blocked=blocked)
    return Step(node_id, reply, None, hits, found, tuple(node.expect), mismatched, branch.goto)


def _shown(scenario: Scenario, reply: str, language: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the elements and intents ``reply`` shows, and the elements it stated with a wrong value."""
    facts = ElementFacts(amount=scenario.facts.amount, due_date=scenario.facts.due_date)
    findings = check_elements(reply, language=language_key(language), facts=facts)
    found = [finding.key for finding in findings if finding.found]
    found += [name for name, phrases in scenario.intents.items() if phrases.found_in(reply)]
    mismatched = tuple(finding.key for finding in findings if finding.detail)
    return tuple(found), mismatched


def _branch(node: Node, found: set[str], *, blocked: bool) -> Branch:
    """Return the first typed-reply branch that applies (the validator guarantees a last ``otherwise``)."""
    for branch in node.branches:
        if branch.choice is not None:
            continue
        if (
            branch.otherwise
            or (branch.violation and blocked)
            or (branch.shows and found.issuperset(branch.shows))
            or (branch.shows_any and found.intersection(branch.shows_any))
        ):
            return branch
    raise StepRefused("choice_needed")


def score_walk(scenario: Scenario, steps: Sequence[Step], *, spec: ScorecardSpec) -> WalkScore:
    """Mark ``spec`` from the conversation and score it; it passes on a successful outcome at the pass mark.

    An item with element evidence passes when some reply showed every element; when no node the
    trainee reached expected any of them it is not applicable where allowed, else it follows the
    outcome (the scenario did not ask for it). Linter
    evidence passes when no reply had a hit that severe. An item without evidence — a reviewer's
    judgement — fails on a blocked reply, passes on a successful outcome, and is otherwise not
    applicable where allowed, else failed. A failed critical item fails the conversation.
    """
    end = scenario.node(steps[-1].next_node) if steps else scenario.node(scenario.start)
    success = bool(end.outcome) and end.success
    found = {name for step in steps for name in step.found}
    expected = {name for step in steps for name in step.expected}
    hits = [hit for step in steps for hit in step.hits]
    blocked = any(hit.severity is Severity.BLOCK for hit in hits)
    marks = {
        item.key: _mark(item.evidence, item.allows_not_applicable, found, expected, hits, blocked, success)
        for item in spec.items
    }
    result = score(spec, marks)
    passed = success and not result.failed_critical and result.percent >= scenario.pass_mark
    return WalkScore(marks=marks, result=result, outcome=end.outcome or "", success=success, passed=passed)


def _mark(
    evidence: Iterable[str], allows_not_applicable: bool, found: set[str], expected: set[str],
    hits: list[LintHit], blocked: bool, success: bool,
) -> Mark:  # fmt: skip
    evidence = tuple(evidence)
    severities = [LINTER_EVIDENCE[name] for name in evidence if name in LINTER_EVIDENCE]
    elements = [name for name in evidence if name not in LINTER_EVIDENCE]
    if severities:
        floor = min(severity.rank for severity in severities)
        if any(hit.severity.rank >= floor for hit in hits):
            return Mark.FAIL
        if not elements:
            return Mark.PASS
    if elements:
        if found.issuperset(elements):
            return Mark.PASS
        if not expected.intersection(elements):
            return Mark.NOT_APPLICABLE if allows_not_applicable else (Mark.PASS if success else Mark.FAIL)
        return Mark.FAIL
    if blocked:
        return Mark.FAIL
    if success:
        return Mark.PASS
    return Mark.NOT_APPLICABLE if allows_not_applicable else Mark.FAIL
