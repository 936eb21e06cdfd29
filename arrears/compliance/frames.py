"""Many debtors' case frames read straight from the database, set-based, for the vectorized decision.

`read_case_frames` gives `rules.vectorized.decide_many` what `frames_from_facts` over
`history.load_cases` gives, without a Python object per debtor: a few queries per chunk of
debtors (COPY as CSV on PostgreSQL, `fetchall` on SQLite) and Polars for the rest. The debtors'
ids travel as one parameter (an array on PostgreSQL, a JSON array on SQLite), never as a long
`IN (...)` list. Moments leave the database as epoch microseconds (PostgreSQL) or as the text
SQLite stores (naive UTC) and become `Datetime("us", "UTC")`; JSON columns leave it as text and
are decoded by Polars, or expanded by the database where their key order matters (opt-outs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import polars as pl
from django.db import connection, models

from arrears.compliance import history
from arrears.compliance.models import ContactEvent, Hold
from arrears.compliance.rules.vectorized.frames import (
    CONSENTS_SCHEMA,
    DEBTS_SCHEMA,
    EVENT_TYPE,
    EVENTS_SCHEMA,
    HOLD_TYPE,
    HOLDS_SCHEMA,
    IDS,
    MOMENT,
    OUTCOME,
    PERSONS_SCHEMA,
    PLANNED_SCHEMA,
    PREFERENCES_SCHEMA,
    RELATION,
    CaseFrames,
)
from arrears.compliance.rules.vocabulary import HoldType, Relation
from arrears.portfolio.models import ContactPerson, ContactPoint, Debt

# Debtors per round of queries: bounds the rows held at once and the size of the id parameter.
CHUNK_SIZE = 20_000
SQLITE_MOMENT_FORMAT = "%Y-%m-%d %H:%M:%S%.f"
RELATION_OF_ROLE = {str(role): relation.value for role, relation in history.RELATION_OF_ROLE.items()}
_CHUNK_FRAMES = {
    "persons": PERSONS_SCHEMA,
    "debts": DEBTS_SCHEMA,
    "events": EVENTS_SCHEMA,
    "holds": HOLDS_SCHEMA,
}


def read_case_frames(
    *, debtor_ids: pl.Series | Sequence[int], collectors: Mapping[int, str] | str, now: datetime
) -> CaseFrames:
    """Read many debtors' case frames for decisions at or after `now`: one case per debtor.

    The frames equal `frames_from_facts` over `history.load_cases(debtor_ids, collectors, now)`
    except that `case_id` is the debtor's id (not a running number) and rows come in another
    order: compare them sorted (events and holds by `case_id`, `seq`). Holds are those not ended
    by `now` plus each contact point's own do-not-contact and per-channel opt-out holds; events
    are those since `now - history.LOOKBACK`; consents, preferences and the workplace stay empty,
    as the facts path leaves them. `collectors` names one entity for all, or one per debtor. An
    id without a debtor row gets a bare case, as in `load_cases`. Debtors are read `CHUNK_SIZE`
    at a time (five queries per chunk).

    :raises KeyError: when `collectors` is a mapping that lacks one of the debtors.
    :raises ValueError: for an opt-out moment that is not ISO 8601 with an offset (or naive UTC).
    :raises polars.exceptions.InvalidOperationError: for a stored type, outcome, role or channel
        outside the vocabulary (the facts path refuses them too).
    """
    ids = pl.Series("case_id", debtor_ids, dtype=pl.Int64).unique().sort()
    parts = [_read_chunk(ids.slice(start, CHUNK_SIZE), now) for start in range(0, len(ids), CHUNK_SIZE)]
    chunked = {
        name: pl.concat([part[name] for part in parts]) if parts else pl.DataFrame(schema=schema)
        for name, schema in _CHUNK_FRAMES.items()
    }
    return CaseFrames(
        cases=_cases(ids, collectors),
        consents=pl.DataFrame(schema=CONSENTS_SCHEMA),
        preferences=pl.DataFrame(schema=PREFERENCES_SCHEMA),
        **chunked,
    )


def planned_frame(rows: Sequence[Mapping[str, object]]) -> pl.DataFrame:
    """Return planned actions as the `planned` frame; `debts` (empty: all), `contact` and `purpose` may be left out."""
    return pl.DataFrame(rows, schema=PLANNED_SCHEMA).with_columns(
        pl.col("debts").fill_null(pl.lit([], dtype=IDS))
    )


def _cases(ids: pl.Series, collectors: Mapping[int, str] | str) -> pl.DataFrame:
    cases = ids.to_frame()
    if isinstance(collectors, str):
        cases = cases.with_columns(collector=pl.lit(collectors))
    else:
        named = pl.DataFrame(
            {"case_id": list(collectors.keys()), "collector": list(collectors.values())},
            schema={"case_id": pl.Int64, "collector": pl.String},
        )
        cases = cases.join(named, on="case_id", how="left")
        missing = cases.filter(pl.col("collector").is_null())
        if not missing.is_empty():
            raise KeyError(missing.item(0, "case_id"))
    return cases.select(
        "case_id",
        "collector",
        consumer=pl.lit(history.DEBTOR),
        employer_prohibits=pl.lit(False),
        workplace_contacts=pl.lit([], dtype=IDS),
    )


def _read_chunk(ids: pl.Series, now: datetime) -> dict[str, pl.DataFrame]:
    """Return one chunk of debtors' persons, debts, events and holds."""
    scope = _scope_parameters(ids)
    points_and_opt_outs = _read(_points_sql(), scope, _POINT_COLUMNS)
    points = points_and_opt_outs.unique("point_id")
    opt_outs = points_and_opt_outs.filter(pl.col("channel").is_not_null())
    holds = _read(_holds_sql(), [*scope, connection.ops.adapt_datetimefield_value(now)], _HOLD_COLUMNS)
    since = connection.ops.adapt_datetimefield_value(now - history.LOOKBACK)
    return {
        "persons": _persons(ids, points, _read(_persons_sql(), scope, _PERSON_COLUMNS)),
        "debts": _debts(_read(_debts_sql(), scope, _DEBT_COLUMNS)),
        "events": _events(_read(_events_sql(), [*scope, since], _EVENT_COLUMNS)),
        "holds": _holds(holds, points, opt_outs),
    }


# --- building the frames ------------------------------------------------------------------------


def _person_key(contact_person_id: str) -> pl.Expr:
    """Return `history.person_key` of a column of contact person ids."""
    column = pl.col(contact_person_id)
    return pl.when(column.is_null()).then(pl.lit(history.DEBTOR)).otherwise(pl.format("person:{}", column))


def _contact_key(contact_point_id: str) -> pl.Expr:
    """Return `history.contact_key` of a column of contact point ids (null stays null)."""
    return pl.format("point:{}", pl.col(contact_point_id))


def _in_point_order(frame: pl.DataFrame, *then: str) -> pl.DataFrame:
    """Sort rows of contact points as the facts path reads the points: primary first, then by id."""
    by = ["case_id", "is_primary", "point_id", *then]
    return frame.sort(by, descending=[False, True, False, *(False for _ in then)])


def _persons(ids: pl.Series, points: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    """Return the consumer and each contact person with the zones of their own points, first seen first."""
    zones = (
        _in_point_order(points)
        .select(
            "case_id", person=_person_key("contact_person_id"), zone=pl.col("time_zones").str.json_decode(IDS)
        )
        .explode("zone", empty_as_null=False)
        .drop_nulls("zone")
        .group_by("case_id", "person", maintain_order=True)
        .agg(zones=pl.col("zone").unique(maintain_order=True))
    )
    consumers = ids.to_frame().with_columns(
        person=pl.lit(history.DEBTOR), relation=pl.lit(Relation.CONSUMER.value)
    )
    third_parties = people.select(
        "case_id",
        person=_person_key("contact_person_id"),
        relation=pl.col("role").replace_strict(RELATION_OF_ROLE, return_dtype=pl.String),
    )
    persons = pl.concat([consumers, third_parties]).join(zones, on=["case_id", "person"], how="left")
    return persons.select(
        "case_id",
        "person",
        pl.col("relation").cast(RELATION),
        pl.col("zones").fill_null(pl.lit([], dtype=IDS)),
    )


def _debts(debts: pl.DataFrame) -> pl.DataFrame:
    debt = pl.col("debt_id").cast(pl.String)
    return debts.select("case_id", debt=debt, particular=debt, time_barred=pl.lit(False))


def _events(events: pl.DataFrame) -> pl.DataFrame:
    """Return the events in each case's (occurred_at, id) order, numbered by `seq`."""
    return events.sort("case_id", "at", "event_id").select(
        "case_id",
        seq=pl.int_range(pl.len(), dtype=pl.Int64).over("case_id"),
        at="at",
        type=pl.col("type").cast(EVENT_TYPE),
        person=_person_key("contact_person_id"),
        debts=pl.col("debt_ids").str.json_decode(IDS).list.eval(pl.element().unique().sort()),
        by="by",
        outcome=pl.when(pl.col("outcome") != "").then(pl.col("outcome")).cast(OUTCOME),
        consent=pl.col("consent").cast(pl.Boolean),
        contact=_contact_key("contact_point_id"),
    )


def _holds(holds: pl.DataFrame, points: pl.DataFrame, opt_outs: pl.DataFrame) -> pl.DataFrame:
    """Return the holds not ended, by (start, id), then the points' own holds, numbered by `seq`."""
    recorded = holds.sort("case_id", "start_at", "hold_id").select(
        "case_id",
        seq=pl.int_range(pl.len(), dtype=pl.Int64).over("case_id"),
        type=pl.col("type").cast(HOLD_TYPE),
        start_at="start_at",
        end_at="end_at",
        person=pl.when(pl.col("contact_person_id").is_not_null()).then(_person_key("contact_person_id")),
        debts=pl.concat_list(pl.col("debt_id").cast(pl.String)).list.drop_nulls(),
        contact=_contact_key("contact_point_id"),
    )
    after = recorded.group_by("case_id").agg(first=pl.len().cast(pl.Int64))
    own = _in_point_order(_point_holds(points, opt_outs), "ordinal").join(after, on="case_id", how="left")
    numbered = own.select(
        "case_id",
        seq=pl.col("first").fill_null(0) + pl.int_range(pl.len(), dtype=pl.Int64).over("case_id"),
        type=pl.col("type").cast(HOLD_TYPE),
        start_at="start_at",
        end_at=pl.lit(None, dtype=MOMENT),
        person=pl.lit(None, dtype=pl.String),
        debts=pl.lit([], dtype=IDS),
        contact=_contact_key("point_id"),
    )
    return pl.concat([recorded, numbered])


def _point_holds(points: pl.DataFrame, opt_outs: pl.DataFrame) -> pl.DataFrame:
    """Return the holds contact points carry themselves: do-not-contact (ordinal 0), then each opt-out."""
    key = ["case_id", "is_primary", "point_id"]
    do_not_contact = points.filter(pl.col("do_not_contact") == 1).select(
        *key,
        ordinal=pl.lit(0, dtype=pl.Int64),
        type=pl.lit(HoldType.DO_NOT_CONTACT.value),
        start_at="created_at",
    )
    opted_out = opt_outs.with_columns(start_at=_iso_moment(pl.col("since")))
    unreadable = opted_out.filter(pl.col("start_at").is_null())
    if not unreadable.is_empty():
        point_id, since = unreadable.item(0, "point_id"), unreadable.item(0, "since")
        raise ValueError(f"contact point {point_id}: opt-out since {since!r} is not an ISO 8601 moment")
    return pl.concat(
        [
            do_not_contact,
            opted_out.select(*key, "ordinal", type=pl.format("opt_out_{}", "channel"), start_at="start_at"),
        ]
    )


def _iso_moment(text: pl.Expr) -> pl.Expr:
    """Return an opt-out's ISO 8601 moment (`datetime.isoformat`, with an offset or naive UTC) in UTC."""
    with_offset = text.str.to_datetime(
        "%Y-%m-%dT%H:%M:%S%.f%:z", time_unit="us", time_zone="UTC", strict=False
    )
    naive = text.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", time_unit="us", time_zone="UTC", strict=False)
    return pl.coalesce(with_offset, naive)


# --- reading -------------------------------------------------------------------------------------


def _read(sql: str, params: list[Any], columns: Mapping[str, Any]) -> pl.DataFrame:
    """Return the rows of `sql` as a frame of `columns`, moments (None) as `_moment` gives them, converted.

    PostgreSQL copies the rows out as CSV; SQLite hands them over as tuples.
    """
    schema = {name: _raw_moment() if dtype is None else dtype for name, dtype in columns.items()}
    moments = [_as_moment(name) for name, dtype in columns.items() if dtype is None]
    return _fetch(sql, params, schema).with_columns(moments)


def _fetch(sql: str, params: list[Any], columns: dict[str, Any]) -> pl.DataFrame:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            data = bytearray()
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
                for row in copy:  # appending is faster than b"".join over the rows' memoryviews
                    data += row
            if not data:
                return pl.DataFrame(schema=columns)
            return pl.read_csv(bytes(data), has_header=False, schema=columns)
        cursor.execute(sql, params)
        return pl.DataFrame(cursor.fetchall(), schema=columns, orient="row")


def _scope_parameters(ids: pl.Series) -> list[Any]:
    """Return the parameters of `_in_scope` for sorted debtor ids: their range, and them as one array."""
    listed = ids.cast(pl.String).str.join(",").item()
    array = f"{{{listed}}}" if connection.vendor == "postgresql" else f"[{listed}]"
    return [ids.min(), ids.max(), array]


def _in_scope(column: str) -> str:
    """Return SQL that keeps the chunk's debtors (the range lets the database use an index on a dense chunk)."""
    if connection.vendor == "postgresql":
        return f"{column} BETWEEN %s AND %s AND {column} = ANY(CAST(%s AS BIGINT[]))"
    return f"{column} BETWEEN %s AND %s AND {column} IN (SELECT value FROM json_each(%s))"  # noqa: S608 - fixed names


def _moment(column: str) -> str:
    """Return SQL for a DateTimeField as epoch microseconds (PostgreSQL) or its stored naive UTC text."""
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM {column}) * 1000000 AS BIGINT)"
    return f"CAST({column} AS TEXT)"


def _raw_moment() -> pl.DataType:
    return pl.Int64() if connection.vendor == "postgresql" else pl.String()


def _as_moment(column: str) -> pl.Expr:
    """Return the moment a raw column (see `_moment`) holds, as `Datetime("us", "UTC")`."""
    if connection.vendor == "postgresql":
        return pl.from_epoch(column, time_unit="us").dt.replace_time_zone("UTC").alias(column)
    return pl.col(column).str.to_datetime(SQLITE_MOMENT_FORMAT, time_unit="us", time_zone="UTC")


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _points_sql() -> str:
    """Return SQL for the points, once per opt-out (in the order their JSON object lists them) or once."""
    if connection.vendor == "postgresql":
        opt_outs = (
            "LEFT JOIN LATERAL jsonb_each_text(p.opt_outs) WITH ORDINALITY AS o(key, value, ordinal) ON TRUE"
        )
        ordinal = "o.ordinal"
    else:
        opt_outs, ordinal = "LEFT JOIN json_each(p.opt_outs) AS o", "o.id"
    return f"""
        SELECT p.id, p.debtor_id, p.contact_person_id, CAST(p.is_primary AS INTEGER),
            CAST(p.do_not_contact AS INTEGER), {_moment("p.created_at")}, CAST(p.time_zones AS TEXT),
            o.key, o.value, {ordinal}
        FROM {_table(ContactPoint)} p {opt_outs} WHERE {_in_scope("p.debtor_id")}"""  # noqa: S608 - fixed names


def _persons_sql() -> str:
    return f"SELECT id, debtor_id, role FROM {_table(ContactPerson)} WHERE {_in_scope('debtor_id')}"  # noqa: S608 - fixed names


def _debts_sql() -> str:
    return f"SELECT id, debtor_id FROM {_table(Debt)} WHERE {_in_scope('debtor_id')}"  # noqa: S608 - fixed names


def _holds_sql() -> str:
    return f"""
        SELECT id, debtor_id, type, {_moment("starts_at")}, {_moment("ends_at")}, contact_person_id,
            debt_id, contact_point_id
        FROM {_table(Hold)} WHERE {_in_scope("debtor_id")} AND (ends_at IS NULL OR ends_at > %s)"""  # noqa: S608 - fixed names


def _events_sql() -> str:
    return f"""
        SELECT id, debtor_id, type, outcome, {_moment("occurred_at")}, contact_person_id, contact_point_id,
            by_entity, CAST(with_consent AS INTEGER), CAST(debt_ids AS TEXT)
        FROM {_table(ContactEvent)} WHERE {_in_scope("debtor_id")} AND occurred_at >= %s"""  # noqa: S608 - fixed names


_POINT_COLUMNS: dict[str, Any] = {
    "point_id": pl.Int64, "case_id": pl.Int64, "contact_person_id": pl.Int64, "is_primary": pl.Int64,
    "do_not_contact": pl.Int64, "created_at": None, "time_zones": pl.String, "channel": pl.String,
    "since": pl.String, "ordinal": pl.Int64,
}  # fmt: skip
_PERSON_COLUMNS: dict[str, Any] = {"contact_person_id": pl.Int64, "case_id": pl.Int64, "role": pl.String}
_DEBT_COLUMNS: dict[str, Any] = {"debt_id": pl.Int64, "case_id": pl.Int64}
_HOLD_COLUMNS: dict[str, Any] = {
    "hold_id": pl.Int64, "case_id": pl.Int64, "type": pl.String, "start_at": None,
    "end_at": None, "contact_person_id": pl.Int64, "debt_id": pl.Int64, "contact_point_id": pl.Int64,
}  # fmt: skip
_EVENT_COLUMNS: dict[str, Any] = {
    "event_id": pl.Int64, "case_id": pl.Int64, "type": pl.String, "outcome": pl.String, "at": None,
    "contact_person_id": pl.Int64, "contact_point_id": pl.Int64, "by": pl.String, "consent": pl.Int64,
    "debt_ids": pl.String,
}  # fmt: skip
