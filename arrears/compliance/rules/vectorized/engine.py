"""`decide_many`: every rule of every pack over all planned actions at once; the most restrictive wins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from arrears.compliance.rules.frequency import (
    CallPatternRule,
    CallsPerDebtRule,
    CallsPerPersonRule,
    ChannelCapRule,
    ConnectedCallsPerDayRule,
    PostConversationRule,
    UnansweredAttemptsPerDayRule,
)
from arrears.compliance.rules.packs import Policy
from arrears.compliance.rules.parties import (
    CnThirdPartiesRule,
    ThirdPartyDisclosureRule,
    TimeBarredSuitRule,
    UsThirdPartiesRule,
    WorkplaceRule,
)
from arrears.compliance.rules.timing import HolidaysRule, PreferencesRule, WeekdaysRule, WindowRule
from arrears.compliance.rules.vectorized import counting, parties, timing
from arrears.compliance.rules.vectorized.findings import FINDINGS_SCHEMA
from arrears.compliance.rules.vectorized.frames import DECISION, PLANNED_SCHEMA, CaseFrames, check_schema
from arrears.compliance.rules.vectorized.prepare import Prepared, contexts_of, history_span
from arrears.compliance.rules.vocabulary import Decision

Check = Callable[[Any, Prepared, Any], pl.DataFrame]

CHECKS: dict[type, Check] = {
    WindowRule: timing.check_window,
    PreferencesRule: timing.check_preferences,
    HolidaysRule: timing.check_holidays,
    WeekdaysRule: timing.check_weekdays,
    CallsPerDebtRule: counting.check_calls_per_debt,
    PostConversationRule: counting.check_post_conversation,
    CallPatternRule: counting.check_call_pattern,
    CallsPerPersonRule: counting.check_calls_per_person,
    ConnectedCallsPerDayRule: counting.check_connected_calls,
    UnansweredAttemptsPerDayRule: counting.check_unanswered_attempts,
    ChannelCapRule: counting.check_channel_cap,
    UsThirdPartiesRule: parties.check_us_third_parties,
    CnThirdPartiesRule: parties.check_cn_third_parties,
    ThirdPartyDisclosureRule: parties.check_third_party_disclosure,
    TimeBarredSuitRule: parties.check_time_barred_suit,
    WorkplaceRule: parties.check_workplace,
}

_DECISION_OF_SEVERITY = {decision.severity: decision.value for decision in Decision}


class UnsupportedRule(TypeError):
    """A rule kind the vectorized form has no columnar check for."""


def decide_many(cases: CaseFrames, planned: pl.DataFrame, policy: Policy) -> pl.DataFrame:
    """Decide every planned action against its case's facts and the history strictly before it.

    Return the planned frame, in its order, with `decision` (ALLOW/REVIEW/DENY), `reasons`
    (the codes that fired, refusals first, as `Verdict.reasons`) and `policy` (the packs and
    versions that decided).

    :raises FrameSchemaError: when `planned` or a case frame lacks a documented column or dtype.
    :raises UnsupportedRule: for a rule kind without a columnar check.
    """
    check_schema(planned, PLANNED_SCHEMA, "planned")
    contexts, variants = contexts_of(policy)
    prepared = Prepared(cases, planned, variants, history_span(contexts))
    findings = [pl.DataFrame(schema=FINDINGS_SCHEMA | {"slot": pl.Int64})]
    for context in contexts:
        for offset, rule in enumerate(context.rules):
            check = CHECKS.get(type(rule))
            if check is None:
                raise UnsupportedRule(type(rule).__name__)
            findings.append(_with_slot(check(rule, prepared, context), context.first_slot + offset))
        if context.hold_codes is not None:
            findings.append(
                _with_slot(parties.check_holds(context.hold_codes, prepared, context), context.holds_slot)
            )
    return _verdicts(planned, pl.concat(findings), policy.label)


def _with_slot(findings: pl.DataFrame, slot: int) -> pl.DataFrame:
    typed = findings.select(pl.col(name).cast(dtype) for name, dtype in FINDINGS_SCHEMA.items())
    return typed.with_columns(slot=pl.lit(slot, pl.Int64))


def _verdicts(planned: pl.DataFrame, findings: pl.DataFrame, label: str) -> pl.DataFrame:
    """Return each planned action's decision and its codes, each once, in the scalar engine's order.

    The scalar engine lists findings pack by pack and rule by rule, then sorts them (stably) by
    severity and keeps each code's first occurrence: sorting on (−severity, slot, sub) is the same.
    """
    per_action = (
        findings.sort(["pid", "severity", "slot", "sub"], descending=[False, True, False, False])
        .unique(["pid", "code"], keep="first", maintain_order=True)
        .group_by("pid", maintain_order=True)
        .agg(reasons="code", severity=pl.col("severity").max())
    )
    decided = planned.with_row_index("pid").join(per_action, on="pid", how="left", maintain_order="left")
    return decided.select(
        *planned.columns,
        decision=pl.col("severity")
        .fill_null(Decision.ALLOW.severity)
        .replace_strict(_DECISION_OF_SEVERITY, return_dtype=DECISION),
        reasons=pl.col("reasons").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        policy=pl.lit(label, pl.String),
    )
