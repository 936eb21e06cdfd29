"""The scenario-file format (RULES.md §5 and §7) read into facts, a policy and proposals.

The same mapping arrives as YAML from `arrears compliance check` and as JSON from the API.
Every problem is a `ScenarioError` naming the field (`events[3].t`) and what is wrong with it,
as a problem code the interface turns into a sentence in the user's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from arrears.compliance.rules.decide import Verdict, decide
from arrears.compliance.rules.facts import (
    CaseFacts,
    Consent,
    Debt,
    Event,
    Hold,
    Person,
    Preference,
    Proposal,
    Workplace,
)
from arrears.compliance.rules.packs import Policy, UnknownPack, build_policy
from arrears.compliance.rules.timing import parse_local_time
from arrears.compliance.rules.vocabulary import (
    Action,
    ConsentScope,
    Decision,
    EventType,
    HoldType,
    Outcome,
    Purpose,
    Relation,
)

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


class Problem(StrEnum):
    MISSING = "missing"
    NOT_A_MAPPING = "not_a_mapping"
    NOT_A_LIST = "not_a_list"
    NOT_TEXT = "not_text"
    NOT_A_BOOLEAN = "not_a_boolean"
    NAIVE_TIME = "naive_time"
    BAD_TIME = "bad_time"
    BAD_LOCAL_TIME = "bad_local_time"
    UNKNOWN_ZONE = "unknown_zone"
    UNKNOWN_VALUE = "unknown_value"
    UNKNOWN_PERSON = "unknown_person"
    UNKNOWN_DEBT = "unknown_debt"
    UNKNOWN_PACK = "unknown_pack"
    DUPLICATE_ID = "duplicate_id"
    INVALID_RULE = "invalid_rule"
    END_BEFORE_START = "end_before_start"


class ScenarioError(ValueError):
    """A scenario that cannot be read: where (`field`), what (`problem`), and the value or detail."""

    def __init__(self, field: str, problem: Problem, detail: str = "") -> None:
        super().__init__(f"{field}: {problem.value} {detail}".strip())
        self.field = field
        self.problem = problem
        self.detail = detail


@dataclass(frozen=True)
class ScenarioProposal:
    index: int
    proposal: Proposal
    expect: Decision | None
    reason: str | None


@dataclass(frozen=True)
class Scenario:
    policy: Policy
    case: CaseFacts
    proposals: tuple[ScenarioProposal, ...]


def read_scenario(raw: object) -> Scenario:
    """Read one scenario mapping into a policy, the case's facts and its proposals.

    :raises ScenarioError: naming the first field that is missing or wrong.
    """
    root = _mapping(raw, "scenario")
    policy = _policy(root)
    collector = _text(_required(root, "collector", "collector"), "collector")
    consumer_raw = _mapping(_required(root, "consumer", "consumer"), "consumer")
    consumer = Person(
        id=_text(_required(consumer_raw, "id", "consumer"), "consumer.id"),
        relation=Relation.CONSUMER,
        zones=_zones(consumer_raw.get("zones"), "consumer.zones"),
    )
    debts = _debts(_required(root, "debts", "debts"))
    third_parties = _third_parties(root.get("third_parties"), consumer.id)
    people = {consumer.id, *third_parties}
    reader = _Reader(people=people, debts=set(debts), collector=collector)
    case = CaseFacts(
        collector=collector,
        consumer=consumer,
        debts=debts,
        third_parties=third_parties,
        holds=tuple(reader.each(root.get("holds"), "holds", reader.hold)),
        consents=tuple(reader.each(root.get("consents"), "consents", reader.consent)),
        preferences=tuple(reader.each(root.get("preferences"), "preferences", reader.preference)),
        events=tuple(reader.each(root.get("events"), "events", reader.event)),
        workplace=_workplace(consumer_raw.get("workplace")),
    )
    proposals = tuple(reader.each(root.get("proposals"), "proposals", reader.proposal))
    return Scenario(policy=policy, case=case, proposals=proposals)


# --- the pieces -------------------------------------------------------------------------------


def _policy(root: Mapping[str, object]) -> Policy:
    jurisdiction = _required(root, "jurisdiction", "jurisdiction")
    names = [jurisdiction] if isinstance(jurisdiction, str) else _list(jurisdiction, "jurisdiction")
    overrides = _list(root.get("overrides") or [], "overrides")
    try:
        return build_policy([_text(name, "jurisdiction") for name in names], overrides)
    except UnknownPack as exc:
        raise ScenarioError(
            "jurisdiction", Problem.UNKNOWN_PACK, f"{exc.name!r} ({', '.join(exc.known)})"
        ) from exc
    except ValidationError as exc:
        error = exc.errors()[0]
        location = ".".join(str(part) for part in error["loc"][1:])
        raise ScenarioError(
            f"overrides[{error['loc'][0]}].{location}", Problem.INVALID_RULE, error["msg"]
        ) from exc


def _debts(raw: object) -> dict[str, Debt]:
    debts: dict[str, Debt] = {}
    for index, item in enumerate(_list(raw, "debts")):
        where = f"debts[{index}]"
        if isinstance(item, str | int):
            debt = Debt(id=str(item))
        else:
            entry = _mapping(item, where)
            debt = Debt(
                id=_text(_required(entry, "id", where), f"{where}.id"),
                group=_optional_text(entry.get("group"), f"{where}.group"),
                time_barred=_boolean(entry.get("time_barred", False), f"{where}.time_barred"),
            )
        if debt.id in debts:
            raise ScenarioError(where, Problem.DUPLICATE_ID, debt.id)
        debts[debt.id] = debt
    if not debts:
        raise ScenarioError("debts", Problem.MISSING)
    return debts


def _third_parties(raw: object, consumer_id: str) -> dict[str, Person]:
    parties: dict[str, Person] = {}
    for index, item in enumerate(_list(raw or [], "third_parties")):
        where = f"third_parties[{index}]"
        entry = _mapping(item, where)
        person = Person(
            id=_text(_required(entry, "id", where), f"{where}.id"),
            relation=_choice(Relation, _required(entry, "relation", where), f"{where}.relation"),
            zones=_zones(entry.get("zones"), f"{where}.zones"),
        )
        if person.id in parties or person.id == consumer_id:
            raise ScenarioError(f"{where}.id", Problem.DUPLICATE_ID, person.id)
        parties[person.id] = person
    return parties


def _workplace(raw: object) -> Workplace:
    if raw is None:
        return Workplace()
    entry = _mapping(raw, "consumer.workplace")
    contacts = _list(entry.get("contacts") or [], "consumer.workplace.contacts")
    return Workplace(
        contacts=frozenset(_text(contact, "consumer.workplace.contacts") for contact in contacts),
        employer_prohibits=_boolean(
            entry.get("employer_prohibits", False), "consumer.workplace.employer_prohibits"
        ),
    )


@dataclass(frozen=True)
class _Reader:
    """Reads the entries that refer to the case's people and debts."""

    people: set[str]
    debts: set[str]
    collector: str

    def each(self, raw: object, name: str, read: Callable[[Mapping[str, object], str], T]) -> list[T]:
        items = enumerate(_list(raw or [], name))
        return [read(_mapping(item, f"{name}[{index}]"), f"{name}[{index}]") for index, item in items]

    def person(self, raw: object, where: str) -> str:
        person = _text(raw, where)
        if person not in self.people:
            raise ScenarioError(where, Problem.UNKNOWN_PERSON, person)
        return person

    def debt_ids(self, raw: object, where: str) -> frozenset[str]:
        if raw is None:
            return frozenset()
        ids = frozenset(str(item) for item in _list(raw, where))
        unknown = sorted(ids - self.debts)
        if unknown:
            raise ScenarioError(where, Problem.UNKNOWN_DEBT, ", ".join(unknown))
        return ids

    def hold(self, entry: Mapping[str, object], where: str) -> Hold:
        start_at = _moment(_required(entry, "start", where), f"{where}.start")
        end_raw = entry.get("end")
        end_at = None if end_raw is None else _moment(end_raw, f"{where}.end")
        if end_at is not None and end_at <= start_at:
            raise ScenarioError(f"{where}.end", Problem.END_BEFORE_START)
        person = entry.get("person")
        return Hold(
            type=_choice(HoldType, _required(entry, "type", where), f"{where}.type"),
            start_at=start_at,
            end_at=end_at,
            person=None if person is None else self.person(person, f"{where}.person"),
            debts=self.debt_ids(entry.get("debts"), f"{where}.debts"),
            contact=_optional_text(entry.get("contact"), f"{where}.contact"),
        )

    def consent(self, entry: Mapping[str, object], where: str) -> Consent:
        expires = entry.get("expires_at")
        scopes = _list(entry.get("scope") or [ConsentScope.FREQUENCY.value], f"{where}.scope")
        return Consent(
            person=self.person(_required(entry, "person", where), f"{where}.person"),
            given_directly=_boolean(_required(entry, "given_directly", where), f"{where}.given_directly"),
            received_at=_moment(_required(entry, "received_at", where), f"{where}.received_at"),
            expires_at=None if expires is None else _moment(expires, f"{where}.expires_at"),
            scope=frozenset(_choice(ConsentScope, scope, f"{where}.scope") for scope in scopes),
        )

    def preference(self, entry: Mapping[str, object], where: str) -> Preference:
        return Preference(
            person=self.person(_required(entry, "person", where), f"{where}.person"),
            not_before=_local_time(entry.get("not_before", "00:00"), f"{where}.not_before"),
            not_after=_local_time(entry.get("not_after", "23:59:59"), f"{where}.not_after"),
        )

    def event(self, entry: Mapping[str, object], where: str) -> Event:
        outcome = entry.get("outcome")
        return Event(
            at=_moment(_required(entry, "t", where), f"{where}.t"),
            type=_choice(EventType, _required(entry, "type", where), f"{where}.type"),
            person=self.person(_required(entry, "person", where), f"{where}.person"),
            debts=self.debt_ids(entry.get("debts"), f"{where}.debts"),
            by=_text(entry.get("by", self.collector), f"{where}.by"),
            outcome=None if outcome is None else _choice(Outcome, outcome, f"{where}.outcome"),
            consent=_boolean(entry.get("consent", False), f"{where}.consent"),
            contact=_optional_text(entry.get("contact"), f"{where}.contact"),
        )

    def proposal(self, entry: Mapping[str, object], where: str) -> ScenarioProposal:
        purpose, expect = entry.get("purpose"), entry.get("expect")
        proposal = Proposal(
            at=_moment(_required(entry, "t", where), f"{where}.t"),
            action=_choice(Action, _required(entry, "action", where), f"{where}.action"),
            person=self.person(_required(entry, "person", where), f"{where}.person"),
            debts=self.debt_ids(entry.get("debts"), f"{where}.debts"),
            by=_text(entry.get("by", self.collector), f"{where}.by"),
            contact=_optional_text(entry.get("contact"), f"{where}.contact"),
            purpose=None if purpose is None else _choice(Purpose, purpose, f"{where}.purpose"),
        )
        index = int(where[where.index("[") + 1 : -1])
        return ScenarioProposal(
            index=index,
            proposal=proposal,
            expect=None if expect is None else _choice(Decision, expect, f"{where}.expect"),
            reason=_optional_text(entry.get("reason"), f"{where}.reason"),
        )


# --- scalar readers ---------------------------------------------------------------------------


def _required(entry: Mapping[str, object], key: str, where: str) -> object:
    if entry.get(key) is None:
        raise ScenarioError(f"{where}.{key}" if where != key else key, Problem.MISSING)
    return entry[key]


def _mapping(raw: object, where: str) -> Mapping[str, object]:
    if not isinstance(raw, Mapping):
        raise ScenarioError(where, Problem.NOT_A_MAPPING)
    return raw


def _list(raw: object, where: str) -> list[object]:
    if not isinstance(raw, list):
        raise ScenarioError(where, Problem.NOT_A_LIST)
    return raw


def _text(raw: object, where: str) -> str:
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise ScenarioError(where, Problem.NOT_TEXT)
    return str(raw)


def _optional_text(raw: object, where: str) -> str | None:
    return None if raw is None else _text(raw, where)


def _boolean(raw: object, where: str) -> bool:
    if not isinstance(raw, bool):
        raise ScenarioError(where, Problem.NOT_A_BOOLEAN, repr(raw))
    return raw


def _choice(enum: type[E], raw: object, where: str) -> E:
    try:
        if not isinstance(raw, str):
            raise ValueError(raw)
        return enum(raw)
    except ValueError:
        raise ScenarioError(
            where, Problem.UNKNOWN_VALUE, f"{raw!r} ({', '.join(item.value for item in enum)})"
        ) from None


def _zone(name: object, where: str) -> str:
    text = _text(name, where)
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScenarioError(where, Problem.UNKNOWN_ZONE, text) from None
    return text


def _zones(raw: object, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    return tuple(_zone(name, f"{where}[{index}]") for index, name in enumerate(_list(raw, where)))


def _moment(raw: object, where: str) -> datetime:
    """Read an aware moment: ISO-8601 with an offset, or `2024-03-04T14:10 America/New_York`."""
    if isinstance(raw, datetime):
        moment = raw
    elif isinstance(raw, date):
        raise ScenarioError(where, Problem.NAIVE_TIME, raw.isoformat())
    else:
        text = _text(raw, where).strip()
        stamp, _, zone_name = text.partition(" ")
        try:
            moment = datetime.fromisoformat(stamp if zone_name else text)
        except ValueError:
            raise ScenarioError(where, Problem.BAD_TIME, text) from None
        if zone_name:
            if moment.tzinfo is not None:
                raise ScenarioError(where, Problem.BAD_TIME, text)
            moment = moment.replace(tzinfo=ZoneInfo(_zone(zone_name, where)))
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ScenarioError(where, Problem.NAIVE_TIME, str(raw))
    return moment


def _local_time(raw: object, where: str) -> time:
    try:
        return parse_local_time(raw)
    except ValueError:
        raise ScenarioError(where, Problem.BAD_LOCAL_TIME, repr(raw)) from None


# --- judging ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Judgement:
    """One proposal judged: the verdict and whether it matches what the scenario expects."""

    item: ScenarioProposal
    verdict: Verdict

    @property
    def matches(self) -> bool | None:
        if self.item.expect is None:
            return None
        decision_matches = self.verdict.decision is self.item.expect
        return decision_matches and (self.item.reason is None or self.item.reason in self.verdict.reasons)

    @property
    def next_allowed_local(self) -> datetime | None:
        """Return the next allowed moment on the person's own clock."""
        moment = self.verdict.next_allowed_at
        return None if moment is None else moment.astimezone(ZoneInfo(self.verdict.zone))

    def as_dict(self) -> dict[str, object]:
        """Return the judgement in the `--json` and API shape."""
        next_allowed = self.next_allowed_local
        return {
            "index": self.item.index,
            "t": self.item.proposal.at.isoformat(),
            "action": self.item.proposal.action.value,
            "decision": self.verdict.decision.value,
            "reasons": list(self.verdict.reasons),
            "next_allowed_at": None if next_allowed is None else next_allowed.isoformat(),
            "expect": None if self.item.expect is None else self.item.expect.value,
            "matches": self.matches,
        }


def judge(scenario: Scenario) -> tuple[Judgement, ...]:
    """Decide every proposal of a scenario, each against the events alone."""
    return tuple(
        Judgement(item, decide(scenario.case, item.proposal, scenario.policy)) for item in scenario.proposals
    )
