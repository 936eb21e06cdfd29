"""What every rule shares: the evaluation context it reads and the finding it returns."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property

from pydantic import BaseModel, ConfigDict

from arrears.compliance.rules import clock
from arrears.compliance.rules.facts import CaseFacts, Event, Person, Proposal
from arrears.compliance.rules.vocabulary import (
    NOT_CONNECTED,
    ConsentScope,
    Decision,
    EventType,
    Outcome,
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule that fired: its code and decision, and when it would pass (None: not with time)."""

    code: str
    decision: Decision
    pack: str
    retry_at: datetime | None = None
    missing_fact: str | None = None


# The longest counting window (7 local days) plus a day of zone offsets and a day of slack.
RECENT_SPAN = timedelta(days=9)


class Context:
    """One proposal seen through one pack: the person, their zones and the history before it."""

    def __init__(
        self,
        *,
        case: CaseFacts,
        proposal: Proposal,
        history: tuple[Event, ...],
        pack: str,
        default_zone: str | None,
    ) -> None:
        self.case = case
        self.proposal = proposal
        self.history = history
        self.pack = pack
        self.person: Person = case.person(proposal.person)
        zones = case.zones_of(self.person)
        self.zones: tuple[str, ...] = zones or ((default_zone,) if default_zone else ())
        self.primary_zone = self.zones[0] if self.zones else "UTC"

    def finding(
        self, code: str, decision: Decision = Decision.DENY, *, retry_at: datetime | None = None,
        missing_fact: str | None = None,
    ) -> Finding:  # fmt: skip
        return Finding(code, decision, self.pack, retry_at, missing_fact)

    # --- the local calendar -------------------------------------------------------------------

    def local_date(self, moment: datetime) -> date:
        return clock.local_date(moment, self.primary_zone)

    @cached_property
    def today(self) -> date:
        return self.local_date(self.proposal.at)

    def start_of(self, day: date) -> datetime:
        return clock.start_of_day(day, self.primary_zone)

    @cached_property
    def tomorrow_starts_at(self) -> datetime:
        return self.start_of(self.today + timedelta(days=1))

    # --- the person's history ------------------------------------------------------------------

    @cached_property
    def recent(self) -> tuple[Event, ...]:
        """Return the history the counting rules can see: no window of theirs spans more than 7 local days."""
        since = self.proposal.at - RECENT_SPAN
        return tuple(event for event in self.history if event.at >= since)

    @cached_property
    def calls_to_person(self) -> tuple[tuple[Event, date], ...]:
        """Return recent outbound calls to this person, each with its local date."""
        return tuple(
            (event, self.local_date(event.at))
            for event in self.recent
            if event.type is EventType.CALL_OUTBOUND and event.person == self.person.id
        )

    def is_counted_call(self, event: Event) -> bool:
        """Tell whether a call counts toward the Reg F frequencies (1006.14(b)(3) exclusions)."""
        if event.outcome in NOT_CONNECTED or event.outcome is Outcome.THIRD_PARTY_ANSWERED:
            return False
        if event.consent or self.person.is_permitted_person:
            return False
        return not self.has_consent(ConsentScope.FREQUENCY, event.at, event.person)

    def has_consent(self, scope: ConsentScope, moment: datetime, person_id: str | None = None) -> bool:
        """Tell whether the person's direct consent of this scope covers a moment.

        A Reg F frequency consent lasts seven local days from the day it was received (that day
        is the first); an agreed time or cap (约定) lasts until it expires.
        """
        person_id = person_id or self.person.id
        for consent in self.case.consents:
            if consent.person != person_id or not consent.given_directly or scope not in consent.scope:
                continue
            if moment < consent.received_at or (
                consent.expires_at is not None and moment >= consent.expires_at
            ):
                continue
            if scope is ConsentScope.FREQUENCY:
                received_on = self.local_date(consent.received_at)
                if not received_on <= self.local_date(moment) <= received_on + timedelta(days=6):
                    continue
            return True
        return False


class Rule(BaseModel):
    """A rule as pack data: its parameters validated on load, its check run per proposal."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str

    def check(self, context: Context) -> Iterator[Finding]:  # pragma: no cover - every rule overrides
        raise NotImplementedError
