"""The vectorized form's input and output frames: their dtypes, and how to build them from facts.

The schemas are documented in the package docstring (`vectorized/__init__.py`) and in
`docs/compliance.md` ("The vectorized form").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from arrears.compliance.rules.facts import CaseFacts, Proposal
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

MOMENT = pl.Datetime("us", "UTC")
ACTION = pl.Enum([action.value for action in Action])
EVENT_TYPE = pl.Enum([event_type.value for event_type in EventType])
OUTCOME = pl.Enum([outcome.value for outcome in Outcome])
RELATION = pl.Enum([relation.value for relation in Relation])
HOLD_TYPE = pl.Enum([hold_type.value for hold_type in HoldType])
PURPOSE = pl.Enum([purpose.value for purpose in Purpose])
DECISION = pl.Enum([decision.value for decision in Decision])
IDS = pl.List(pl.String())

CASES_SCHEMA = pl.Schema(
    {
        "case_id": pl.Int64(),
        "collector": pl.String(),
        "consumer": pl.String(),
        "employer_prohibits": pl.Boolean(),
        "workplace_contacts": IDS,
    }
)
PERSONS_SCHEMA = pl.Schema({"case_id": pl.Int64(), "person": pl.String(), "relation": RELATION, "zones": IDS})
DEBTS_SCHEMA = pl.Schema(
    {"case_id": pl.Int64(), "debt": pl.String(), "particular": pl.String(), "time_barred": pl.Boolean()}
)
EVENTS_SCHEMA = pl.Schema(
    {
        "case_id": pl.Int64(),
        "seq": pl.Int64(),
        "at": MOMENT,
        "type": EVENT_TYPE,
        "person": pl.String(),
        "debts": IDS,
        "by": pl.String(),
        "outcome": OUTCOME,
        "consent": pl.Boolean(),
        "contact": pl.String(),
    }
)
HOLDS_SCHEMA = pl.Schema(
    {
        "case_id": pl.Int64(),
        "seq": pl.Int64(),
        "type": HOLD_TYPE,
        "start_at": MOMENT,
        "end_at": MOMENT,
        "person": pl.String(),
        "debts": IDS,
        "contact": pl.String(),
    }
)
CONSENTS_SCHEMA = pl.Schema(
    {
        "case_id": pl.Int64(),
        "person": pl.String(),
        "given_directly": pl.Boolean(),
        "received_at": MOMENT,
        "expires_at": MOMENT,
        "scope_frequency": pl.Boolean(),
        "scope_time": pl.Boolean(),
        "scope_caps": pl.Boolean(),
    }
)
PREFERENCES_SCHEMA = pl.Schema(
    {"case_id": pl.Int64(), "person": pl.String(), "not_before": pl.Time(), "not_after": pl.Time()}
)
PLANNED_SCHEMA = pl.Schema(
    {
        "case_id": pl.Int64(),
        "at": MOMENT,
        "action": ACTION,
        "person": pl.String(),
        "debts": IDS,
        "by": pl.String(),
        "contact": pl.String(),
        "purpose": PURPOSE,
    }
)


@dataclass(frozen=True)
class CaseFrames:
    """Every case's facts as frames keyed by `case_id` (one row per fact; schemas above)."""

    cases: pl.DataFrame
    persons: pl.DataFrame
    debts: pl.DataFrame
    events: pl.DataFrame
    holds: pl.DataFrame
    consents: pl.DataFrame
    preferences: pl.DataFrame

    def __post_init__(self) -> None:
        expected = {
            "cases": CASES_SCHEMA, "persons": PERSONS_SCHEMA, "debts": DEBTS_SCHEMA,
            "events": EVENTS_SCHEMA, "holds": HOLDS_SCHEMA, "consents": CONSENTS_SCHEMA,
            "preferences": PREFERENCES_SCHEMA,
        }  # fmt: skip
        for name, schema in expected.items():
            check_schema(getattr(self, name), schema, name)


class FrameSchemaError(ValueError):
    """A frame whose columns or dtypes are not the documented ones."""


def check_schema(frame: pl.DataFrame, schema: pl.Schema, name: str) -> None:
    """Refuse a frame that lacks a documented column or has it with another dtype.

    :raises FrameSchemaError: naming the frame, the column and both dtypes.
    """
    for column, dtype in schema.items():
        if column not in frame.schema:
            raise FrameSchemaError(f"{name}: missing column {column!r} ({dtype})")
        if frame.schema[column] != dtype:
            raise FrameSchemaError(f"{name}.{column}: {frame.schema[column]}, expected {dtype}")


def frames_from_facts(items: Sequence[tuple[CaseFacts, Proposal]]) -> tuple[CaseFrames, pl.DataFrame]:
    """Build the case frames and the planned actions from (case, proposal) pairs, in their order.

    The same case object given with several proposals becomes one case; cases are numbered in
    order of first appearance and events and holds keep their order in the case (`seq`).
    """
    case_ids: dict[int, int] = {}
    rows: dict[str, list[Mapping[str, object]]] = {name: [] for name in _ROW_KINDS}
    planned: list[Mapping[str, object]] = []
    for case, proposal in items:
        if id(case) not in case_ids:
            case_ids[id(case)] = len(case_ids)
            _add_case(rows, case_ids[id(case)], case)
        planned.append(
            {"case_id": case_ids[id(case)], "at": proposal.at, "action": proposal.action.value}
            | {"person": proposal.person, "debts": sorted(proposal.debts), "by": proposal.by}
            | {"contact": proposal.contact, "purpose": proposal.purpose and proposal.purpose.value}
        )
    frames = CaseFrames(
        **{name: pl.DataFrame(rows[name], schema=schema) for name, schema in _ROW_KINDS.items()}
    )
    return frames, pl.DataFrame(planned, schema=PLANNED_SCHEMA)


_ROW_KINDS = {
    "cases": CASES_SCHEMA, "persons": PERSONS_SCHEMA, "debts": DEBTS_SCHEMA, "events": EVENTS_SCHEMA,
    "holds": HOLDS_SCHEMA, "consents": CONSENTS_SCHEMA, "preferences": PREFERENCES_SCHEMA,
}  # fmt: skip


def _add_case(rows: dict[str, list[Mapping[str, object]]], case_id: int, case: CaseFacts) -> None:
    workplace = case.workplace
    rows["cases"].append(
        {"case_id": case_id, "collector": case.collector, "consumer": case.consumer.id}
        | {
            "employer_prohibits": workplace.employer_prohibits,
            "workplace_contacts": sorted(workplace.contacts),
        }
    )
    for person in (case.consumer, *case.third_parties.values()):
        rows["persons"].append(
            {"case_id": case_id, "person": person.id, "relation": person.relation.value}
            | {"zones": list(person.zones)}
        )
    for debt in case.debts.values():
        rows["debts"].append(
            {"case_id": case_id, "debt": debt.id, "particular": debt.particular_debt}
            | {"time_barred": debt.time_barred}
        )
    for seq, event in enumerate(case.events):
        rows["events"].append(
            {"case_id": case_id, "seq": seq, "at": event.at, "type": event.type.value}
            | {"person": event.person, "debts": sorted(event.debts), "by": event.by}
            | {"outcome": event.outcome and event.outcome.value, "consent": event.consent}
            | {"contact": event.contact}
        )
    for seq, hold in enumerate(case.holds):
        rows["holds"].append(
            {"case_id": case_id, "seq": seq, "type": hold.type.value, "start_at": hold.start_at}
            | {"end_at": hold.end_at, "person": hold.person, "debts": sorted(hold.debts)}
            | {"contact": hold.contact}
        )
    for consent in case.consents:
        rows["consents"].append(
            {"case_id": case_id, "person": consent.person, "given_directly": consent.given_directly}
            | {"received_at": consent.received_at, "expires_at": consent.expires_at}
            | {"scope_frequency": ConsentScope.FREQUENCY in consent.scope}
            | {
                "scope_time": ConsentScope.TIME in consent.scope,
                "scope_caps": ConsentScope.CAPS in consent.scope,
            }
        )
    for preference in case.preferences:
        rows["preferences"].append(
            {"case_id": case_id, "person": preference.person}
            | {"not_before": preference.not_before, "not_after": preference.not_after}
        )
