"""Rules about whom and where: third parties, workplaces, and suits on time-barred debts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from arrears.compliance.rules.base import Context, Finding, Rule
from arrears.compliance.rules.vocabulary import (
    Action,
    EventType,
    HoldType,
    Outcome,
    Purpose,
    Relation,
)

# Outbound events that communicate with the person they reach (an unanswered call does not).
_COMMUNICATING_EVENTS = frozenset(
    {EventType.SMS, EventType.EMAIL, EventType.APP, EventType.LETTER, EventType.VISIT}
)


def _is_other_person(context: Context) -> bool:
    """Tell whether the person contacted is someone other than the consumer or a guarantor."""
    return not context.person.counts_as_consumer and context.person.relation is not Relation.GUARANTOR


class UsThirdPartiesRule(Rule):
    """Third parties under Reg F: no disclosure, one location contact each (US-3P-01, US-3P-02)."""

    kind: Literal["us_third_parties"]
    repeat_code: str

    def check(self, context: Context) -> Iterator[Finding]:
        if not _is_other_person(context) or context.person.is_permitted_person:
            return
        if context.case.purpose_of(context.proposal) is Purpose.COLLECT:
            yield context.finding(self.code)
            return
        if self._has_communicated_unasked(context):
            yield context.finding(self.repeat_code)

    def _has_communicated_unasked(self, context: Context) -> bool:
        """Tell whether this entity already communicated with the person and they have not called since."""
        communicated = False
        for event in context.history:
            if event.person != context.person.id:
                continue
            if event.type is EventType.CALL_INBOUND:
                communicated = False
            elif event.by == context.proposal.by and (
                event.type in _COMMUNICATING_EVENTS
                or (event.type is EventType.CALL_OUTBOUND and event.outcome is Outcome.CONVERSATION)
            ):
                communicated = True
        return communicated


class CnThirdPartiesRule(Rule):
    """Contact persons only when the debtor is out of reach; never collect from them (CN-OBJ-01/02)."""

    kind: Literal["cn_third_parties"]
    refused_code: str
    unrelated_code: str
    failed_attempts: int

    def check(self, context: Context) -> Iterator[Finding]:
        person = context.person
        if person.is_consumer or person.relation is Relation.GUARANTOR:
            return
        if (
            person.relation is Relation.UNRELATED
            or context.case.purpose_of(context.proposal) is Purpose.COLLECT
        ):
            yield context.finding(self.unrelated_code)
        if any(
            hold.type is HoldType.DO_NOT_CONTACT
            and hold.person == person.id
            and hold.is_open_at(context.proposal.at)
            for hold in context.case.holds
        ):
            yield context.finding(self.refused_code)
        if self._debtor_is_reachable(context):
            yield context.finding(self.code)

    def _debtor_is_reachable(self, context: Context) -> bool:
        """Tell whether the debtor was reached today or not yet failed enough times in a row since."""
        consumer = context.case.consumer.id
        failed_in_a_row = 0
        for event in context.history:
            if event.person != consumer:
                continue
            if event.is_conversation:
                if context.local_date(event.at) == context.today:
                    return True
                failed_in_a_row = 0
            elif event.type is EventType.CALL_OUTBOUND:
                failed_in_a_row += 1
        return failed_in_a_row < self.failed_attempts


class ThirdPartyDisclosureRule(Rule):
    """Never tell anyone but the customer about the debt (UK-CONT-02)."""

    kind: Literal["third_party_disclosure"]

    def check(self, context: Context) -> Iterator[Finding]:
        # Reg F's wider "consumer" (a spouse, an executor …) is American: here only the customer
        # and someone liable with them (a guarantor) may be told.
        person = context.person
        if person.is_consumer or person.relation is Relation.GUARANTOR:
            return
        if context.case.purpose_of(context.proposal) is Purpose.COLLECT:
            yield context.finding(self.code)


class TimeBarredSuitRule(Rule):
    """No suit (or threat of one) on a time-barred debt (US-TBD-01)."""

    kind: Literal["time_barred_suit"]

    def check(self, context: Context) -> Iterator[Finding]:
        if context.proposal.action is not Action.LAWSUIT:
            return
        debts = context.case.debts_concerned(context.proposal.debts)
        if any(context.case.debts[debt_id].time_barred for debt_id in debts):
            yield context.finding(self.code)


class WorkplaceRule(Rule):
    """No contact at work when the employer prohibits it (US-PLACE-01)."""

    kind: Literal["workplace"]

    def check(self, context: Context) -> Iterator[Finding]:
        workplace = context.case.workplace
        contact = context.proposal.contact
        if context.person.is_consumer and workplace.employer_prohibits and contact in workplace.contacts:
            yield context.finding(self.code)
