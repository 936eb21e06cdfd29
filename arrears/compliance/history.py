"""Debtors' facts as the rules read them: people, zones, debts, holds and recent contacts.

Database rows become the pure `CaseFacts`: the debtor is the person "debtor", a contact person
"person:<id>", a contact point "point:<id>", a debt its primary key. `load_cases` reads many
debtors with one query per table (the outbox checks a whole batch at once); `load_case` is one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from arrears.compliance.models import ContactEvent, Hold
from arrears.compliance.rules import facts
from arrears.compliance.rules.vocabulary import Action, EventType, HoldType, Outcome, Relation
from arrears.portfolio.choices import ContactRole
from arrears.portfolio.models import ContactPerson, ContactPoint, Debt, Debtor

DEBTOR = "debtor"
# Long enough for every counting window (7 days) and the Chinese "reachable" test.
LOOKBACK = timedelta(days=35)

RELATION_OF_ROLE = {
    # A company's own people speak for the debtor.
    ContactRole.FINANCE: Relation.CONSUMER,
    ContactRole.DECISION_MAKER: Relation.CONSUMER,
    ContactRole.LEGAL: Relation.CONSUMER,
    ContactRole.OWNER: Relation.CONSUMER,
    ContactRole.OTHER: Relation.FRIEND,
    ContactRole.EMERGENCY_CONTACT: Relation.EMERGENCY_CONTACT,
    ContactRole.FAMILY: Relation.FAMILY,
    ContactRole.GUARANTOR: Relation.GUARANTOR,
    ContactRole.ATTORNEY: Relation.ATTORNEY,
}


def person_key(contact_person_id: int | None) -> str:
    return DEBTOR if contact_person_id is None else f"person:{contact_person_id}"


def contact_key(contact_point_id: int | None) -> str | None:
    return None if contact_point_id is None else f"point:{contact_point_id}"


def load_case(*, debtor: Debtor, collector: str, now: datetime) -> facts.CaseFacts:
    """Read one debtor's facts for decisions at or after `now`."""
    return load_cases(debtor_ids=[debtor.pk], collectors={debtor.pk: collector}, now=now)[debtor.pk]


def load_cases(
    *, debtor_ids: Iterable[int], collectors: dict[int, str], now: datetime
) -> dict[int, facts.CaseFacts]:
    """Read many debtors' facts for decisions at or after `now`, one query per table."""
    ids = sorted(set(debtor_ids))
    points: dict[int, list[ContactPoint]] = defaultdict(list)
    points_rows = (
        ContactPoint.objects.filter(debtor_id__in=ids)
        .defer("value")
        .order_by("debtor_id", "-is_primary", "pk")
    )
    for point in points_rows:
        points[point.debtor_id].append(point)
    persons: dict[int, list[ContactPerson]] = defaultdict(list)
    for person in ContactPerson.objects.filter(debtor_id__in=ids).order_by("pk"):
        persons[person.debtor_id].append(person)
    debts: dict[int, list[int]] = defaultdict(list)
    for debtor_id, debt_id in (
        Debt.objects.filter(debtor_id__in=ids).order_by("pk").values_list("debtor_id", "pk")
    ):
        debts[debtor_id].append(debt_id)
    holds: dict[int, list[facts.Hold]] = defaultdict(list)
    for hold in Hold.objects.filter(debtor_id__in=ids).exclude(ends_at__lte=now).order_by("starts_at", "pk"):
        holds[hold.debtor_id].append(_hold(hold))
    events: dict[int, list[facts.Event]] = defaultdict(list)
    rows = ContactEvent.objects.filter(debtor_id__in=ids, occurred_at__gte=now - LOOKBACK).order_by(
        "occurred_at", "pk"
    )
    for row in rows:
        events[row.debtor_id].append(_event(row))
    return {
        debtor_id: _case(
            collectors[debtor_id],
            points[debtor_id],
            persons[debtor_id],
            debts[debtor_id],
            holds[debtor_id],
            events[debtor_id],
        )
        for debtor_id in ids
    }


def _case(
    collector: str, points: list[ContactPoint], persons: list[ContactPerson], debt_ids: list[int],
    holds: list[facts.Hold], events: list[facts.Event],
) -> facts.CaseFacts:  # fmt: skip
    consumer = facts.Person(
        DEBTOR, Relation.CONSUMER, _zones(p for p in points if p.contact_person_id is None)
    )
    third_parties = {
        person_key(person.pk): facts.Person(
            person_key(person.pk),
            RELATION_OF_ROLE[ContactRole(person.role)],
            _zones(point for point in points if point.contact_person_id == person.pk),
        )
        for person in persons
    }
    return facts.CaseFacts(
        collector=collector,
        consumer=consumer,
        debts={str(debt_id): facts.Debt(str(debt_id)) for debt_id in debt_ids},
        third_parties=third_parties,
        holds=tuple(holds + _point_holds(points)),
        events=tuple(events),
    )


def _zones(points: Iterable[ContactPoint]) -> tuple[str, ...]:
    zones: dict[str, None] = {}
    for point in points:
        zones.update(dict.fromkeys(point.time_zones or []))
    return tuple(zones)


def _hold(hold: Hold) -> facts.Hold:
    return facts.Hold(
        type=HoldType(hold.type),
        start_at=hold.starts_at,
        end_at=hold.ends_at,
        person=None if hold.contact_person_id is None else person_key(hold.contact_person_id),
        debts=frozenset() if hold.debt_id is None else frozenset({str(hold.debt_id)}),
        contact=contact_key(hold.contact_point_id),
    )


def _point_holds(points: list[ContactPoint]) -> list[facts.Hold]:
    """Return the holds a contact point carries itself: do-not-contact and opt-outs per channel."""
    holds = []
    for point in points:
        if point.do_not_contact:
            holds.append(facts.Hold(HoldType.DO_NOT_CONTACT, point.created_at, contact=contact_key(point.pk)))
        for channel, since in point.opt_outs.items():
            holds.append(
                facts.Hold(
                    HoldType(f"opt_out_{Action(channel).value}"),
                    datetime.fromisoformat(since),
                    contact=contact_key(point.pk),
                )
            )
    return holds


def _event(row: ContactEvent) -> facts.Event:
    return facts.Event(
        at=row.occurred_at,
        type=EventType(row.type),
        person=person_key(row.contact_person_id),
        debts=frozenset(str(debt_id) for debt_id in row.debt_ids),
        by=row.by_entity,
        outcome=Outcome(row.outcome) if row.outcome else None,
        consent=row.with_consent,
        contact=contact_key(row.contact_point_id),
    )
