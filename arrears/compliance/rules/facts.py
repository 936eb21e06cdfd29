"""The facts one decision reads: the case, its history, and the proposed contact.

Plain frozen dataclasses, built by the scenario-file parser or from the database; the rules never
see anything else. All datetimes are aware.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from arrears.compliance.rules.vocabulary import (
    CONSUMER_EQUIVALENT,
    PERMITTED_PERSONS,
    Action,
    ConsentScope,
    EventType,
    HoldType,
    Outcome,
    Purpose,
    Relation,
)


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    relation: Relation
    zones: tuple[str, ...] = ()

    @property
    def is_consumer(self) -> bool:
        return self.relation is Relation.CONSUMER

    @property
    def counts_as_consumer(self) -> bool:
        return self.relation in CONSUMER_EQUIVALENT

    @property
    def is_permitted_person(self) -> bool:
        return self.relation in PERMITTED_PERSONS


@dataclass(frozen=True, slots=True)
class Debt:
    id: str
    group: str | None = None
    time_barred: bool = False

    @property
    def particular_debt(self) -> str:
        """Return the Reg F 1006.14(b)(4) unit: student loans under one account number are one."""
        return f"group:{self.group}" if self.group else self.id


@dataclass(frozen=True, slots=True)
class Hold:
    type: HoldType
    start_at: datetime
    end_at: datetime | None = None
    person: str | None = None
    debts: frozenset[str] = frozenset()
    contact: str | None = None

    def is_open_at(self, moment: datetime) -> bool:
        return self.start_at <= moment and (self.end_at is None or moment < self.end_at)


@dataclass(frozen=True, slots=True)
class Consent:
    person: str
    given_directly: bool
    received_at: datetime
    expires_at: datetime | None = None
    scope: frozenset[ConsentScope] = frozenset({ConsentScope.FREQUENCY})


@dataclass(frozen=True, slots=True)
class Preference:
    """Times the person said are convenient: contact only at local [not_before, not_after)."""

    person: str
    not_before: time
    not_after: time


@dataclass(frozen=True, slots=True)
class Workplace:
    contacts: frozenset[str] = frozenset()
    employer_prohibits: bool = False


@dataclass(frozen=True, slots=True)
class Event:
    at: datetime
    type: EventType
    person: str
    debts: frozenset[str]
    by: str
    outcome: Outcome | None = None
    consent: bool = False
    contact: str | None = None

    @property
    def is_conversation(self) -> bool:
        """Tell whether this was a telephone conversation (an inbound call is one unless told)."""
        if self.type is EventType.CALL_INBOUND:
            return self.outcome in (None, Outcome.CONVERSATION)
        return self.type is EventType.CALL_OUTBOUND and self.outcome is Outcome.CONVERSATION


@dataclass(frozen=True, slots=True)
class Proposal:
    at: datetime
    action: Action
    person: str
    debts: frozenset[str]
    by: str
    contact: str | None = None
    purpose: Purpose | None = None


@dataclass(frozen=True, slots=True)
class CaseFacts:
    collector: str
    consumer: Person
    debts: dict[str, Debt]
    third_parties: dict[str, Person] = field(default_factory=dict)
    holds: tuple[Hold, ...] = ()
    consents: tuple[Consent, ...] = ()
    preferences: tuple[Preference, ...] = ()
    events: tuple[Event, ...] = ()
    workplace: Workplace = Workplace()

    def __post_init__(self) -> None:
        # Rules read the history oldest first; sort once here, whatever order the events came in.
        object.__setattr__(self, "events", tuple(sorted(self.events, key=lambda event: event.at)))

    def person(self, person_id: str) -> Person:
        """Return the consumer or a third party by id.

        :raises KeyError: for an unknown person.
        """
        if person_id == self.consumer.id:
            return self.consumer
        return self.third_parties[person_id]

    def zones_of(self, person: Person) -> tuple[str, ...]:
        """Return a person's candidate zones; a third party without any shares the consumer's."""
        return person.zones or self.consumer.zones

    def debts_concerned(self, debt_ids: frozenset[str]) -> frozenset[str]:
        """Return the debts an event or proposal concerns: all of the case's when none is named."""
        return debt_ids or frozenset(self.debts)

    def particular_debts(self, debt_ids: frozenset[str]) -> frozenset[str]:
        return frozenset(self.debts[debt_id].particular_debt for debt_id in self.debts_concerned(debt_ids))

    def history_before(self, moment: datetime) -> tuple[Event, ...]:
        """Return the events strictly before a moment, oldest first: proposals see only the past."""
        return tuple(event for event in self.events if event.at < moment)

    def purpose_of(self, proposal: Proposal) -> Purpose:
        """Return the proposal's purpose: collecting from the consumer and guarantors, else locating."""
        if proposal.purpose is not None:
            return proposal.purpose
        person = self.person(proposal.person)
        if person.counts_as_consumer or person.relation is Relation.GUARANTOR:
            return Purpose.COLLECT
        return Purpose.LOCATE
