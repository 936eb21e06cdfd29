"""Holds: every open hold that covers the proposal refuses it, under the pack's own code."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pydantic import BaseModel, ConfigDict

from arrears.compliance.rules.base import Context, Finding
from arrears.compliance.rules.facts import Hold
from arrears.compliance.rules.vocabulary import Action, Decision, HoldType


class HoldCode(BaseModel):
    """The code (and decision) a pack gives one hold type instead of the generic HOLD.<TYPE>."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    decision: Decision = Decision.DENY


def covers(hold: Hold, context: Context) -> bool:
    """Tell whether a hold covers this proposal: its person, debts, contact and channel."""
    proposal = context.proposal
    channel = hold.type.channel
    if channel is not None and channel is not proposal.action:
        return False
    if proposal.action is Action.LAWSUIT and hold.type is HoldType.DO_NOT_CONTACT:
        return False
    if hold.person is not None and hold.person != proposal.person:
        return False
    if hold.person is None and context.person.is_permitted_person:
        return False
    if hold.debts and not hold.debts & context.case.debts_concerned(proposal.debts):
        return False
    return hold.contact is None or proposal.contact is None or hold.contact == proposal.contact


def check_holds(context: Context, codes: Mapping[HoldType, HoldCode]) -> Iterator[Finding]:
    """Yield one finding per open hold covering the proposal; it passes when the hold ends."""
    for hold in context.case.holds:
        if not hold.is_open_at(context.proposal.at) or not covers(hold, context):
            continue
        mapped = codes.get(hold.type)
        code, decision = (mapped.code, mapped.decision) if mapped else (hold.type.generic_code, Decision.DENY)
        yield context.finding(code, decision, retry_at=hold.end_at)
