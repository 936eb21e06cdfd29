"""Rules about whom and where, and holds, over frames.

The third-party rules that read the whole history (a location contact already made, the debtor's
failed attempts since the last conversation) join only the planned actions to third parties with
their events, so the daily cycle's calls to debtors never pay for them.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from arrears.compliance.rules.holds import HoldCode
from arrears.compliance.rules.parties import (
    CnThirdPartiesRule,
    ThirdPartyDisclosureRule,
    TimeBarredSuitRule,
    UsThirdPartiesRule,
    WorkplaceRule,
)
from arrears.compliance.rules.vectorized.clock import local_date
from arrears.compliance.rules.vectorized.findings import fired
from arrears.compliance.rules.vectorized.prepare import Prepared, RuleContext
from arrears.compliance.rules.vocabulary import (
    Action,
    Decision,
    EventType,
    HoldType,
    Outcome,
    Purpose,
    Relation,
)

_OTHER_PERSON = ~pl.col("counts_as_consumer") & ~pl.col("is_guarantor")
# The proposal's purpose: collecting from the consumer and guarantors, else locating.
_COLLECTS = (
    pl.when(pl.col("purpose").is_not_null())
    .then(pl.col("purpose") == Purpose.COLLECT.value)
    .otherwise(pl.col("counts_as_consumer") | pl.col("is_guarantor"))
)
_COMMUNICATING = pl.col("type").cast(pl.String).is_in(
    [
        EventType.SMS.value,
        EventType.EMAIL.value,
        EventType.APP.value,
        EventType.LETTER.value,
        EventType.VISIT.value,
    ]
) | (
    (pl.col("type") == EventType.CALL_OUTBOUND.value)
    & (pl.col("outcome") == Outcome.CONVERSATION.value).fill_null(False)
)
_CONVERSATION = (
    (pl.col("type") == EventType.CALL_INBOUND.value)
    & (pl.col("outcome").is_null() | (pl.col("outcome") == Outcome.CONVERSATION.value))
) | (
    (pl.col("type") == EventType.CALL_OUTBOUND.value)
    & (pl.col("outcome") == Outcome.CONVERSATION.value).fill_null(False)
)


def check_us_third_parties(
    rule: UsThirdPartiesRule, prepared: Prepared, context: RuleContext
) -> pl.DataFrame:
    """Refuse collecting from a third party, and a second location contact they did not ask for."""
    others = prepared.plan.filter(_OTHER_PERSON & ~pl.col("is_permitted"))
    disclosure = fired(others.filter(_COLLECTS), rule.code)
    locating = others.filter(~_COLLECTS).select("pid", "case_id", "person", "at", "by")
    history = (
        locating.join(
            prepared.full_history(locating),
            on=["case_id", "person"],
            suffix="_event",
        )
        .filter(pl.col("at_event") < pl.col("at"))
        .with_columns(
            last_inbound=pl.col("seq")
            .filter(pl.col("type") == EventType.CALL_INBOUND.value)
            .max()
            .over("pid")
            .fill_null(-1)
        )
    )
    repeated = history.filter(
        _COMMUNICATING & (pl.col("by_event") == pl.col("by")) & (pl.col("seq") > pl.col("last_inbound"))
    )
    return pl.concat([disclosure, fired(repeated.unique("pid"), rule.repeat_code)])


def check_cn_third_parties(
    rule: CnThirdPartiesRule, prepared: Prepared, context: RuleContext
) -> pl.DataFrame:
    """Refuse third parties while the debtor is reachable, who refused, or asked to pay unless guarantors."""
    variant = context.variant
    others = prepared.plan.filter(~pl.col("is_consumer") & ~pl.col("is_guarantor"))
    unrelated = fired(
        others.filter((pl.col("relation") == Relation.UNRELATED.value) | _COLLECTS), rule.unrelated_code
    )
    refusals = (
        others.select("pid", "case_id", "person", "at")
        .join(
            prepared.frames.holds.filter(pl.col("type") == HoldType.DO_NOT_CONTACT.value),
            on=["case_id", "person"],
        )
        .filter(_open_hold)
    )
    refused = fired(refusals.unique("pid"), rule.refused_code, sub=1)
    return pl.concat(
        [unrelated, refused, fired(_debtor_reachable(rule, prepared, others, variant), rule.code, sub=2)]
    )


def _debtor_reachable(
    rule: CnThirdPartiesRule, prepared: Prepared, others: pl.DataFrame, variant: int
) -> pl.DataFrame:
    """Return the planned actions for which the debtor was reached today or not failed enough since."""
    planned = others.select(
        "pid", "case_id", "consumer", "at", zone=f"primary_{variant}", today=f"today_{variant}"
    )
    events = prepared.full_history(planned.select("case_id", person="consumer")).select(
        "case_id", "seq", "type", "outcome", event_at="at"
    )
    history = planned.join(events, on="case_id").filter(pl.col("event_at") < pl.col("at"))
    history = history.with_columns(day=local_date(history, at="event_at", zone="zone"))
    failed = (
        history.with_columns(conversation=_CONVERSATION)
        .with_columns(
            reached_today=(pl.col("conversation") & (pl.col("day") == pl.col("today"))).any().over("pid"),
            last_conversation=pl.col("seq").filter(pl.col("conversation")).max().over("pid").fill_null(-1),
        )
        .group_by("pid")
        .agg(
            reached_today=pl.col("reached_today").first(),
            failed=(
                ~pl.col("conversation")
                & (pl.col("type") == EventType.CALL_OUTBOUND.value)
                & (pl.col("seq") > pl.col("last_conversation"))
            ).sum(),
        )
        .filter(~pl.col("reached_today") & (pl.col("failed") >= rule.failed_attempts))
    )
    return others.join(failed, on="pid", how="anti")


def check_third_party_disclosure(
    rule: ThirdPartyDisclosureRule, prepared: Prepared, context: RuleContext
) -> pl.DataFrame:
    """Refuse collecting from anyone but the customer or a guarantor (a spouse included)."""
    return fired(
        prepared.plan.filter(~pl.col("is_consumer") & ~pl.col("is_guarantor") & _COLLECTS), rule.code
    )


def check_time_barred_suit(
    rule: TimeBarredSuitRule, prepared: Prepared, context: RuleContext
) -> pl.DataFrame:
    """Refuse a suit on a time-barred debt."""
    suits = prepared.plan.filter(pl.col("action") == Action.LAWSUIT.value)
    barred = prepared.concerned(suits).join(
        prepared.frames.debts.filter(pl.col("time_barred")).select("case_id", "debt"), on=["case_id", "debt"]
    )
    return fired(barred.unique("pid"), rule.code)


def check_workplace(rule: WorkplaceRule, prepared: Prepared, context: RuleContext) -> pl.DataFrame:
    """Refuse contact at work when the employer prohibits it."""
    prohibited = prepared.plan.filter(pl.col("is_consumer") & pl.col("employer_prohibits")).join(
        prepared.frames.cases.select("case_id", "workplace_contacts"), on="case_id"
    )
    at_work = pl.col("workplace_contacts").list.contains(pl.col("contact")).fill_null(False)
    return fired(prohibited.filter(at_work), rule.code)


_open_hold = (pl.col("start_at") <= pl.col("at")) & (
    pl.col("end_at").is_null() | (pl.col("at") < pl.col("end_at"))
)


def check_holds(codes: Mapping[HoldType, HoldCode], prepared: Prepared, context: RuleContext) -> pl.DataFrame:
    """Refuse (or flag) per open hold covering the action, under the pack's code for its type."""
    planned = prepared.plan.select(
        "pid",
        "case_id",
        "at",
        "action",
        "is_permitted",
        proposal_person="person",
        proposal_contact="contact",
    )
    joined = planned.join(prepared.frames.holds, on="case_id").filter(_open_hold)
    hold_type = pl.col("type").cast(pl.String)
    opt_out = hold_type.str.starts_with("opt_out_")
    covers = (
        (~opt_out | (hold_type == pl.lit("opt_out_") + pl.col("action").cast(pl.String)))
        & ~((pl.col("action") == Action.LAWSUIT.value) & (pl.col("type") == HoldType.DO_NOT_CONTACT.value))
        & pl.when(pl.col("person").is_null())
        .then(~pl.col("is_permitted"))
        .otherwise(pl.col("person") == pl.col("proposal_person"))
        & (
            pl.col("contact").is_null()
            | pl.col("proposal_contact").is_null()
            | (pl.col("contact") == pl.col("proposal_contact"))
        )
    )
    candidates = joined.filter(covers).with_row_index("hit")
    # A hold on some debts covers the action when they meet the debts it concerns.
    scoped = candidates.filter(pl.col("debts").list.len() > 0)
    meeting = (
        scoped.select("hit", "pid", debt="debts")
        .explode("debt", empty_as_null=False)
        .join(prepared.concerned(scoped).select("pid", "debt"), on=["pid", "debt"])
    )
    covering = pl.concat(
        [candidates.filter(pl.col("debts").list.len() == 0), candidates.join(meeting, on="hit", how="semi")]
    )
    mapped = {hold_type.value: codes[hold_type] for hold_type in codes}
    code = hold_type.replace_strict(
        {name: hold.code for name, hold in mapped.items()},
        default=pl.lit("HOLD.") + hold_type.str.to_uppercase(),
    )
    severity = hold_type.replace_strict(
        {name: hold.decision.severity for name, hold in mapped.items()},
        default=Decision.DENY.severity,
        return_dtype=pl.Int8,
    )
    return covering.select(
        pl.col("pid").cast(pl.UInt32), sub=pl.col("seq"), code=code.cast(pl.String), severity=severity
    )
