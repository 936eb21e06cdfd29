"""The contact decision over frames: the scalar rules (`decide.py`) for millions of planned actions.

    frames, planned = frames_from_facts([(case, proposal), ...])   # or built from the database
    decided = decide_many(frames, planned, policy)                 # + decision, reasons, policy

`decide_many` gives each planned action the same decision and reasons as `decide` would give it
against its case and the events strictly before its moment; a differential test on random
histories (`tests/unit/compliance/test_vectorized_agreement.py`) keeps the two forms in
agreement. It does not compute `next_allowed_at` (ask `decide` for the rows that need it).

Every rule kind of the packs and overrides is columnar; none falls back to the scalar engine.

Frames (`CaseFrames`, keyed by `case_id`; moments are `Datetime("us", "UTC")`, enums are
`pl.Enum` of the vocabulary's values, ids are `String`, id lists `List(String)`):

- `cases`: case_id Int64, collector, consumer (the consumer's person id), employer_prohibits
  Boolean, workplace_contacts List(String).
- `persons`: case_id, person, relation Enum(Relation), zones List(String) (IANA names, primary
  first; empty: the consumer's). The consumer has a row with relation `consumer`.
- `debts`: case_id, debt, particular (the Reg F unit: `group:<group>` or the debt id),
  time_barred Boolean.
- `events`: case_id, seq Int64 (order in the case's history), at, type Enum(EventType), person,
  debts (empty: all the case's debts), by, outcome Enum(Outcome) nullable, consent Boolean,
  contact nullable.
- `holds`: case_id, seq Int64 (order in the case), type Enum(HoldType), start_at, end_at
  nullable, person nullable, debts, contact nullable.
- `consents`: case_id, person, given_directly Boolean, received_at, expires_at nullable,
  scope_frequency / scope_time / scope_caps Boolean.
- `preferences`: case_id, person, not_before Time, not_after Time.

`planned`: case_id, at, action Enum(Action), person, debts (empty: all), by, contact nullable,
purpose Enum(Purpose) nullable. The result is `planned` in its order plus `decision`
Enum(ALLOW, REVIEW, DENY), `reasons` List(String) and `policy` String (e.g. `us-regf@2026.11`).
"""

from arrears.compliance.rules.vectorized.engine import UnsupportedRule, decide_many
from arrears.compliance.rules.vectorized.frames import (
    PLANNED_SCHEMA,
    CaseFrames,
    FrameSchemaError,
    frames_from_facts,
)

__all__ = [
    "PLANNED_SCHEMA",
    "CaseFrames",
    "FrameSchemaError",
    "UnsupportedRule",
    "decide_many",
    "frames_from_facts",
]
