"""Rules about the moment: daily windows, the person's own times, holidays and weekdays."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time, timedelta
from functools import cache
from typing import Annotated, Literal

import holidays as public_holidays
from pydantic import BeforeValidator

from arrears.compliance.rules import clock
from arrears.compliance.rules.base import Context, Finding, Rule
from arrears.compliance.rules.vocabulary import TIMED_ACTIONS, Action, ConsentScope, Weekday


def parse_local_time(value: object) -> time:
    """Read a local time written "HH:MM" (a bare YAML 08:00 would be a number: refuse it).

    :raises ValueError: for anything but an "HH:MM" or "HH:MM:SS" string.
    """
    if isinstance(value, time):
        return value
    if not isinstance(value, str):
        raise ValueError('write the time as a quoted "HH:MM"')
    return time.fromisoformat(value)


LocalTime = Annotated[time, BeforeValidator(parse_local_time)]


class WindowRule(Rule):
    """Contact only inside local [start, end) in every candidate zone (US-TIME-01/02, CN-TIME-01)."""

    kind: Literal["window"]
    start: LocalTime
    end: LocalTime
    ambiguous_code: str | None = None
    missing_code: str | None = None
    waived_by: ConsentScope | None = None
    actions: frozenset[Action] = TIMED_ACTIONS

    def check(self, context: Context) -> Iterator[Finding]:
        proposal = context.proposal
        if proposal.action not in self.actions:
            return
        if self.waived_by and context.has_consent(self.waived_by, proposal.at):
            return
        if not context.zones:
            yield context.finding(self.missing_code or self.code, missing_fact="zone")
            return
        if clock.in_all_windows(proposal.at, context.zones, self.start, self.end):
            return
        code = self.ambiguous_code if len(context.zones) > 1 and self.ambiguous_code else self.code
        yield context.finding(
            code, retry_at=clock.next_window_opening(proposal.at, context.zones, self.start, self.end)
        )


class PreferencesRule(Rule):
    """Honour the times a person said are convenient (US-TIME-04, UK-CONT-01)."""

    kind: Literal["preferences"]

    def check(self, context: Context) -> Iterator[Finding]:
        proposal = context.proposal
        if proposal.action not in TIMED_ACTIONS or not context.zones:
            return
        for preference in context.case.preferences:
            if preference.person != context.person.id:
                continue
            if clock.in_all_windows(proposal.at, context.zones, preference.not_before, preference.not_after):
                continue
            yield context.finding(
                self.code,
                retry_at=clock.next_window_opening(
                    proposal.at, context.zones, preference.not_before, preference.not_after
                ),
            )


class _DayRule(Rule):
    """A rule that closes whole local days; it reopens on the next day it does not close."""

    actions: frozenset[Action] = TIMED_ACTIONS

    def is_closed(self, day: date) -> bool:  # pragma: no cover - subclasses decide
        raise NotImplementedError

    def check(self, context: Context) -> Iterator[Finding]:
        if context.proposal.action not in self.actions or not self.is_closed(context.today):
            return
        day = context.today + timedelta(days=1)
        for _ in range(31):
            if not self.is_closed(day):
                yield context.finding(self.code, retry_at=context.start_of(day))
                return
            day += timedelta(days=1)
        yield context.finding(self.code)


@cache
def _holiday_calendar(country: str, subdivision: str | None) -> public_holidays.HolidayBase:
    return public_holidays.country_holidays(country, subdiv=subdivision)


class HolidaysRule(_DayRule):
    """No contact on the public holidays of the debtor's region (a portfolio's own rule)."""

    kind: Literal["holidays"]
    country: str
    subdivision: str | None = None

    def is_closed(self, day: date) -> bool:
        return day in _holiday_calendar(self.country, self.subdivision)


class WeekdaysRule(_DayRule):
    """No contact on the given local weekdays, e.g. Sundays (a portfolio's own rule)."""

    kind: Literal["weekdays"]
    weekdays: frozenset[Weekday]

    def is_closed(self, day: date) -> bool:
        return Weekday.of(day.weekday()) in self.weekdays
