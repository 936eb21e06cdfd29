"""The account snapshot: the documented fields a strategy may read, one row per debt.

Strategies name these fields in their SQL expressions; any other name is refused when the strategy
is loaded. Pure (Polars and the standard library only).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import polars as pl

Kind = Literal["number", "text", "boolean", "key"]

BUCKETS = ("current", "1-30", "31-60", "61-90", "91-120", "121-180", "181-360", "361+")
DEBTOR_KINDS = ("person", "company")
DELINQUENCY_REASONS = ("unknown", "forgot", "cash_flow", "dispute", "wilful")
PRODUCTS = (
    "credit_card", "consumer_loan", "mortgage", "auto_loan", "student_loan",
    "sme_loan", "b2b_invoice", "utility", "telecom", "other",
)  # fmt: skip


@dataclass(frozen=True)
class Field:
    """One column of the snapshot: its Polars type, its kind for type checks and what it means."""

    name: str
    dtype: pl.DataType
    kind: Kind
    en: str
    zh: str
    values: tuple[str, ...] = ()


FIELDS: tuple[Field, ...] = (
    Field("debt_id", pl.Int64(), "key", "The debt (account) the row describes.", "债务编号"),
    Field("debtor_id", pl.Int64(), "key", "The debtor; the champion/challenger arm hashes it.", "债务人编号"),
    Field("portfolio", pl.String(), "text", "The portfolio's code.", "资产包代码"),
    Field("balance", pl.Decimal(18, 2), "number", "What the debt owes now, all components.", "欠款余额"),
    Field("currency", pl.String(), "text", "ISO 4217 currency of the balance.", "币种"),
    Field(
        "days_past_due", pl.Int32(), "number",
        "Days the oldest unpaid instalment is overdue; 0 when nothing is overdue.", "逾期天数",
    ),
    Field(
        "days_until_due", pl.Int32(), "number",
        "Days until the next instalment falls due; null when none is coming.", "距到期日天数",
    ),
    Field("bucket", pl.String(), "text", "Aging bucket of days past due.", "账龄段", BUCKETS),
    Field("product", pl.String(), "text", "The product the debt comes from.", "产品", PRODUCTS),
    Field("debtor_kind", pl.String(), "text", "Person or company.", "债务人类型", DEBTOR_KINDS),
    Field(
        "is_key_customer", pl.Boolean(), "boolean",
        "A customer the creditor marks as key (a call comes first).", "重点客户",
    ),
    Field("score", pl.Int32(), "number", "Propensity-to-pay score 0–1000; null when unscored.", "还款评分"),
    Field(
        "delinquency_reason", pl.String(), "text",
        "Why the debtor is behind, set by rules or collectors.", "逾期原因", DELINQUENCY_REASONS,
    ),
    Field(
        "broken_promises", pl.Int32(), "number", "Promises to pay and arrangements broken so far.", "违约承诺次数"
    ),
    Field(
        "stage", pl.String(), "text",
        "The stage the case is in before this run; null when it has none yet.", "当前催收阶段",
    ),
    Field("days_in_stage", pl.Int32(), "number", "Days since the case entered its stage.", "本阶段天数"),
    Field(
        "days_since_last_contact", pl.Int32(), "number",
        "Days since the last contact with the debtor; null when never contacted.", "距上次联系天数",
    ),
    Field(
        "has_arrangement", pl.Boolean(), "boolean",
        "An arrangement (instalments, deferral, settlement) is active on the debt.", "存在生效的还款安排",
    ),
    Field("is_verified", pl.Boolean(), "boolean", "The debt has been verified.", "债务已核实"),
    Field("has_open_dispute", pl.Boolean(), "boolean", "A dispute on the debt is open.", "存在未决异议"),
)  # fmt: skip

FIELDS_BY_NAME: Mapping[str, Field] = {field.name: field for field in FIELDS}
SNAPSHOT_SCHEMA = pl.Schema({field.name: field.dtype for field in FIELDS})


class SnapshotMismatch(ValueError):
    """A snapshot frame whose columns or types are not the documented ones."""


def check_snapshot(snapshot: pl.DataFrame) -> None:
    """Check that ``snapshot`` has every documented column with its documented type.

    :raises SnapshotMismatch: naming each missing column and each column of the wrong type.
    """
    problems = [
        f"{name}: missing"
        if name not in snapshot.schema
        else f"{name}: {snapshot.schema[name]}, expected {dtype}"
        for name, dtype in SNAPSHOT_SCHEMA.items()
        if snapshot.schema.get(name) != dtype
    ]
    if problems:
        raise SnapshotMismatch("the snapshot does not match the field catalog: " + "; ".join(problems))


def snapshot_frame(rows: Iterable[Mapping[str, object]]) -> pl.DataFrame:
    """Build a snapshot frame from row mappings; a field a row leaves out is null.

    :raises SnapshotMismatch: for a key that is not a documented field.
    """
    rows = list(rows)
    unknown = sorted({key for row in rows for key in row} - set(SNAPSHOT_SCHEMA))
    if unknown:
        raise SnapshotMismatch(f"not documented fields: {', '.join(unknown)}")
    columns = {name: [row.get(name) for row in rows] for name in SNAPSHOT_SCHEMA}
    return pl.DataFrame(columns, schema=SNAPSHOT_SCHEMA)
