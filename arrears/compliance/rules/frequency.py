"""Rules that count: Reg F's 7-in-7 and post-conversation prongs, patterns, daily caps."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import Literal

from arrears.compliance.rules.base import Context, Finding, Rule
from arrears.compliance.rules.facts import Event
from arrears.compliance.rules.vocabulary import (
    CONNECTED,
    EVENT_OF_ACTION,
    Action,
    ConsentScope,
    Decision,
    Outcome,
)


def count_in_span(days: Iterable[date], last_day: date, span: int) -> int:
    """Count the days falling on last_day−(span−1) … last_day."""
    first_day = last_day - timedelta(days=span - 1)
    return sum(1 for day in days if first_day <= day <= last_day)


def reopening_day(days: list[date], today: date, span: int, limit: int) -> date:
    """Return the first day after today whose rolling span holds fewer than `limit` past days."""
    day = today + timedelta(days=1)
    while count_in_span(days, day, span) >= limit:
        day += timedelta(days=1)
    return day


def _is_frequency_call(context: Context) -> bool:
    """Tell whether the proposal is a call the Reg F frequencies govern (not excluded itself)."""
    return (
        context.proposal.action is Action.CALL
        and not context.person.is_permitted_person
        and not context.has_consent(ConsentScope.FREQUENCY, context.proposal.at)
    )


def _counted_calls_by_debt(context: Context) -> dict[str, list[date]]:
    """Return the local dates of this entity's counted calls to the person, per particular debt."""
    by_debt: dict[str, list[date]] = {}
    for event, day in context.calls_to_person:
        if event.by != context.proposal.by or not context.is_counted_call(event):
            continue
        for particular in context.case.particular_debts(event.debts):
            by_debt.setdefault(particular, []).append(day)
    return by_debt


class CallsPerDebtRule(Rule):
    """At most `max_calls` counted calls per person per particular debt in `days` days (US-FREQ-01)."""

    kind: Literal["calls_per_debt"]
    max_calls: int
    days: int

    def check(self, context: Context) -> Iterator[Finding]:
        if not _is_frequency_call(context):
            return
        by_debt = _counted_calls_by_debt(context)
        for particular in sorted(context.case.particular_debts(context.proposal.debts)):
            days = by_debt.get(particular, [])
            if count_in_span(days, context.today, self.days) >= self.max_calls:
                reopens = reopening_day(days, context.today, self.days, self.max_calls)
                yield context.finding(self.code, retry_at=context.start_of(reopens))


class PostConversationRule(Rule):
    """No call for `days` days after a conversation about the debt, that day first (US-FREQ-02)."""

    kind: Literal["post_conversation"]
    days: int

    def check(self, context: Context) -> Iterator[Finding]:
        if not _is_frequency_call(context):
            return
        concerned = context.case.particular_debts(context.proposal.debts)
        latest: date | None = None
        for event in context.recent:
            if (
                event.person != context.person.id
                or event.by != context.proposal.by
                or not event.is_conversation
            ):
                continue
            if not concerned & context.case.particular_debts(event.debts):
                continue
            day = context.local_date(event.at)
            if count_in_span([day], context.today, self.days) and (latest is None or day > latest):
                latest = day
        if latest is not None:
            yield context.finding(self.code, retry_at=context.start_of(latest + timedelta(days=self.days)))


class CallPatternRule(Rule):
    """Flag bursts: a repeat attempt to one number within minutes, or many attempts in a day."""

    kind: Literal["call_pattern"]
    decision: Decision = Decision.REVIEW
    same_contact_minutes: int
    max_attempts_per_day: int

    def check(self, context: Context) -> Iterator[Finding]:
        proposal = context.proposal
        if proposal.action is not Action.CALL or context.person.is_permitted_person:
            return
        attempts = [(event, day) for event, day in context.calls_to_person if event.by == proposal.by]
        recent = proposal.at - timedelta(minutes=self.same_contact_minutes)
        if (
            any(event.at > recent and _same_contact(event, proposal.contact) for event, _ in attempts)
            or sum(1 for _, day in attempts if day == context.today) >= self.max_attempts_per_day
        ):
            yield context.finding(self.code, self.decision)


def _same_contact(event: Event, contact: str | None) -> bool:
    """Tell whether an event used the contact; an unknown number on either side may be the same."""
    return contact is None or event.contact is None or event.contact == contact


class CallsPerPersonRule(Rule):
    """Flag more than `max_calls` counted calls to a person across all debts in `days` days."""

    kind: Literal["calls_per_person"]
    decision: Decision = Decision.REVIEW
    max_calls: int
    days: int

    def check(self, context: Context) -> Iterator[Finding]:
        if not _is_frequency_call(context):
            return
        days = [
            day
            for event, day in context.calls_to_person
            if event.by == context.proposal.by and context.is_counted_call(event)
        ]
        if count_in_span(days, context.today, self.days) >= self.max_calls:
            yield context.finding(self.code, self.decision)


class ConnectedCallsPerDayRule(Rule):
    """At most `max_calls` connected calls with the debtor a day, all entities together (CN-FREQ-01)."""

    kind: Literal["connected_calls_per_day"]
    max_calls: int
    waived_by: ConsentScope | None = None

    def check(self, context: Context) -> Iterator[Finding]:
        if context.proposal.action is not Action.CALL or not context.person.is_consumer:
            return
        if self.waived_by and context.has_consent(self.waived_by, context.proposal.at):
            return
        connected = sum(
            1 for event, day in context.calls_to_person if day == context.today and event.outcome in CONNECTED
        )
        if connected >= self.max_calls:
            yield context.finding(self.code, retry_at=context.tomorrow_starts_at)


class UnansweredAttemptsPerDayRule(Rule):
    """At most `max_attempts` unanswered attempts a day to one number (CN-FREQ-02)."""

    kind: Literal["unanswered_attempts_per_day"]
    max_attempts: int
    waived_by: ConsentScope | None = None

    def check(self, context: Context) -> Iterator[Finding]:
        proposal = context.proposal
        if proposal.action is not Action.CALL:
            return
        if self.waived_by and context.has_consent(self.waived_by, proposal.at):
            return
        unanswered = sum(
            1
            for event, day in context.calls_to_person
            if day == context.today
            and event.outcome is not Outcome.CONVERSATION
            and _same_contact(event, proposal.contact)
        )
        if unanswered >= self.max_attempts:
            yield context.finding(self.code, retry_at=context.tomorrow_starts_at)


class ChannelCapRule(Rule):
    """At most `max` contacts through one channel per person a day or a week (a portfolio's cap)."""

    kind: Literal["channel_cap"]
    action: Action
    max: int
    per: Literal["day", "week"]

    def check(self, context: Context) -> Iterator[Finding]:
        if context.proposal.action is not self.action or self.action not in EVENT_OF_ACTION:
            return
        event_type = EVENT_OF_ACTION[self.action]
        days = [
            context.local_date(event.at)
            for event in context.recent
            if event.type is event_type and event.person == context.person.id
        ]
        span = 1 if self.per == "day" else 7
        if count_in_span(days, context.today, span) >= self.max:
            reopens = reopening_day(days, context.today, span, self.max)
            yield context.finding(self.code, retry_at=context.start_of(reopens))
