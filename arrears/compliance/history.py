"""A debtor's facts as the rules read them: people, zones, debts, holds and recent contacts.

Database rows become the pure `CaseFacts`: the debtor is the person "debtor", a contact person
"person:<id>", a contact point "point:<id>", a debt its primary key.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from arrears.compliance.models import ContactEvent, Hold
from arrears.compliance.rules import facts
from arrears.compliance.rules.vocabulary import Action, EventType, HoldType, Outcome, Relation
from arrears.portfolio.choices import ContactRole
from arrears.portfolio.models import ContactPerson, ContactPoint, Debtor

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
    """Read a debtor's facts for decisions at or after `now`."""
    points = list(ContactPoint.objects.filter(debtor=debtor).order_by("-is_primary", "pk"))
    persons = list(ContactPerson.objects.filter(debtor=debtor).order_by("pk"))
    consumer = facts.Person(
        DEBTOR, Relation.CONSUMER, _zones(point for point in points if point.contact_person_id is None)
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
        debts={
            str(debt_id): facts.Debt(str(debt_id)) for debt_id in debtor.debts.values_list("pk", flat=True)
        },
        third_parties=third_parties,
        holds=tuple(_holds(debtor, points, now)),
        events=tuple(_events(debtor, now)),
    )


def _zones(points: object) -> tuple[str, ...]:
    zones: dict[str, None] = {}
    for point in points:  # type: ignore[attr-defined]
        zones.update(dict.fromkeys(point.time_zones or []))
    return tuple(zones)


def _holds(debtor: Debtor, points: list[ContactPoint], now: datetime) -> list[facts.Hold]:
    holds = [
        facts.Hold(
            type=HoldType(hold.type),
            start_at=hold.starts_at,
            end_at=hold.ends_at,
            person=None if hold.contact_person_id is None else person_key(hold.contact_person_id),
            debts=frozenset() if hold.debt_id is None else frozenset({str(hold.debt_id)}),
            contact=contact_key(hold.contact_point_id),
        )
        for hold in Hold.objects.filter(debtor=debtor).exclude(ends_at__lte=now).order_by("starts_at", "pk")
    ]
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


def _events(debtor: Debtor, now: datetime) -> list[facts.Event]:
    rows = ContactEvent.objects.filter(debtor=debtor, occurred_at__gte=now - LOOKBACK).order_by(
        "occurred_at", "pk"
    )
    return [
        facts.Event(
            at=row.occurred_at,
            type=EventType(row.type),
            person=person_key(row.contact_person_id),
            debts=frozenset(str(debt_id) for debt_id in row.debt_ids),
            by=row.by_entity,
            outcome=Outcome(row.outcome) if row.outcome else None,
            consent=row.with_consent,
            contact=contact_key(row.contact_point_id),
        )
        for row in rows
    ]
