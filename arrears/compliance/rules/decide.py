"""The one contact decision: every rule of every pack, the most restrictive wins.

`decide` is the scalar form used for one contact at a time (desk, outbox, portal, visits);
`vectorized.py` is the same rules over millions of planned actions, and a differential test
keeps the two in agreement.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from arrears.compliance.rules.base import Context, Finding
from arrears.compliance.rules.facts import CaseFacts, Event, Proposal
from arrears.compliance.rules.holds import check_holds
from arrears.compliance.rules.packs import Policy
from arrears.compliance.rules.vocabulary import Decision, most_restrictive

# Enough steps for a window, a day cap, a week cap and a holiday to push one another along.
_MAX_RETRY_STEPS = 40


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    findings: tuple[Finding, ...]
    next_allowed_at: datetime | None
    zone: str

    @property
    def reasons(self) -> tuple[str, ...]:
        """Return each code that fired once, the refusals first."""
        ordered = sorted(self.findings, key=lambda finding: -finding.decision.severity)
        return tuple(dict.fromkeys(finding.code for finding in ordered))

    @property
    def missing_facts(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(finding.missing_fact for finding in self.findings if finding.missing_fact))


def decide(case: CaseFacts, proposal: Proposal, policy: Policy) -> Verdict:
    """Decide one proposed contact against the case's facts and the history before it.

    :raises KeyError: when the proposal names a person or debt the case does not have (the
        scenario parser and the database loader check this first).
    """
    history = case.history_before(proposal.at)
    findings = tuple(_findings(case, proposal, policy, history))
    decision = most_restrictive([finding.decision for finding in findings])
    next_allowed_at = (
        _next_allowed_at(case, proposal, policy, history, findings) if decision is Decision.DENY else None
    )
    zone = Context(
        case=case, proposal=proposal, history=(), pack="", default_zone=policy.default_zone
    ).primary_zone
    return Verdict(decision, findings, next_allowed_at, zone)


def _findings(
    case: CaseFacts, proposal: Proposal, policy: Policy, history: tuple[Event, ...]
) -> Iterator[Finding]:
    for pack in policy.packs:
        context = Context(
            case=case, proposal=proposal, history=history, pack=pack.pack, default_zone=pack.default_zone
        )
        for rule in pack.rules:
            yield from rule.check(context)
        yield from check_holds(context, pack.holds)
    if policy.overrides:
        context = Context(
            case=case, proposal=proposal, history=history, pack="portfolio", default_zone=policy.default_zone
        )
        for rule in policy.overrides:
            yield from rule.check(context)


def _next_allowed_at(
    case: CaseFacts,
    proposal: Proposal,
    policy: Policy,
    history: tuple[Event, ...],
    findings: tuple[Finding, ...],
) -> datetime | None:
    """Return the earliest later moment the same proposal passes against the same history.

    None when a refusal does not pass with time (a hold without an end, an opt-out, a third
    party who refused) or nothing opens within the search.
    """
    moment = proposal.at
    for _ in range(_MAX_RETRY_STEPS):
        refusals = [finding for finding in findings if finding.decision is Decision.DENY]
        if not refusals:
            return moment
        retry_times = [finding.retry_at for finding in refusals]
        if any(retry_at is None for retry_at in retry_times):
            return None
        later = max(retry_at for retry_at in retry_times if retry_at is not None)
        if later <= moment:
            return None
        moment = later
        findings = tuple(_findings(case, replace(proposal, at=moment), policy, history))
    return None
