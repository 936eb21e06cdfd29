"""Rules that count, over frames: Reg F's 7-in-7 and post-conversation prongs, patterns, daily caps.

Each joins the planned actions with their person's recent history (`Prepared.history`, one row
per (planned action, earlier event)) and counts per planned action, or per (planned action,
particular debt) for the Reg F prongs.
"""

from __future__ import annotations

from datetime import timedelta

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
from arrears.compliance.rules.vectorized.findings import consent_column, fired
from arrears.compliance.rules.vectorized.prepare import Prepared, RuleContext
from arrears.compliance.rules.vocabulary import (
    CONNECTED,
    EVENT_OF_ACTION,
    Action,
    ConsentScope,
    EventType,
    Outcome,
)

_CALL = pl.col("action") == Action.CALL.value
_OUTBOUND = pl.col("event_type") == EventType.CALL_OUTBOUND.value
_SAME_ENTITY = pl.col("event_by") == pl.col("by")
# An unknown number on either side may be the same number.
_SAME_CONTACT = (
    pl.col("contact").is_null()
    | pl.col("event_contact").is_null()
    | (pl.col("event_contact") == pl.col("contact"))
)
_IS_CONVERSATION = (
    (pl.col("event_type") == EventType.CALL_INBOUND.value)
    & (pl.col("outcome").is_null() | (pl.col("outcome") == Outcome.CONVERSATION.value))
) | (_OUTBOUND & (pl.col("outcome") == Outcome.CONVERSATION.value).fill_null(False))


def _frequency_call(variant: int) -> pl.Expr:
    """Tell whether the planned action is a call the Reg F frequencies govern (not excluded itself)."""
    return _CALL & ~pl.col("is_permitted") & ~pl.col(consent_column(ConsentScope.FREQUENCY, variant))


def _in_span(variant: int, days: int) -> pl.Expr:
    """Tell whether the event's local date falls on today−(days−1) … today."""
    today = pl.col(f"today_{variant}")
    return pl.col(f"date_{variant}").is_between(today - timedelta(days=days - 1), today)


def _counted_calls(variant: int, days: int) -> pl.Expr:
    """Select this entity's counted calls to the person in the span, for a governed call."""
    return (
        _frequency_call(variant)
        & _OUTBOUND
        & _SAME_ENTITY
        & pl.col(f"counted_{variant}")
        & _in_span(variant, days)
    )


def _per_particular_debt(prepared: Prepared, events: pl.DataFrame) -> pl.DataFrame:
    """Return (pid, eid, particular) for events that concern one of the planned call's particular debts."""
    return (
        events.select("pid", "eid")
        .join(prepared.call_event_particulars, on="eid")
        .join(prepared.plan_particulars, on=["pid", "particular"])
    )


def check_calls_per_debt(rule: CallsPerDebtRule, prepared: Prepared, context: RuleContext) -> pl.DataFrame:
    """Refuse a call when `max_calls` counted calls about one of its particular debts fall in the span."""
    counted = prepared.history.filter(_counted_calls(context.variant, rule.days))
    full = (
        _per_particular_debt(prepared, counted)
        .group_by("pid", "particular")
        .len()
        .filter(pl.col("len") >= rule.max_calls)
    )
    return fired(full.unique("pid"), rule.code)


def check_post_conversation(
    rule: PostConversationRule, prepared: Prepared, context: RuleContext
) -> pl.DataFrame:
    """Refuse a call in the days after a conversation about one of its particular debts."""
    variant = context.variant
    conversations = prepared.history.filter(
        _frequency_call(variant) & _IS_CONVERSATION & _SAME_ENTITY & _in_span(variant, rule.days)
    )
    return fired(_per_particular_debt(prepared, conversations).unique("pid"), rule.code)


def check_call_pattern(rule: CallPatternRule, prepared: Prepared, context: RuleContext) -> pl.DataFrame:
    """Flag a repeat attempt to one number within minutes, or many attempts today."""
    variant = context.variant
    attempts = prepared.history.filter(_CALL & ~pl.col("is_permitted") & _OUTBOUND & _SAME_ENTITY)
    recent = (
        pl.col("event_at") > pl.col("at") - timedelta(minutes=rule.same_contact_minutes)
    ) & _SAME_CONTACT
    today = pl.col(f"date_{variant}") == pl.col(f"today_{variant}")
    flagged = (
        attempts.group_by("pid")
        .agg(recent=recent.any(), today=today.sum())
        .filter(pl.col("recent") | (pl.col("today") >= rule.max_attempts_per_day))
    )
    return fired(flagged, rule.code, rule.decision)


def check_calls_per_person(
    rule: CallsPerPersonRule, prepared: Prepared, context: RuleContext
) -> pl.DataFrame:
    """Flag `max_calls` counted calls to the person across all debts in the span."""
    counted = prepared.history.filter(_counted_calls(context.variant, rule.days))
    flagged = counted.group_by("pid").len().filter(pl.col("len") >= rule.max_calls)
    return fired(flagged, rule.code, rule.decision)


def _waived(waived_by: ConsentScope | None, variant: int) -> pl.Expr:
    """Tell whether an agreed consent (约定) waives the rule for the planned action."""
    if waived_by is None:
        return pl.lit(False)
    return pl.col(consent_column(waived_by, variant))


def check_connected_calls(
    rule: ConnectedCallsPerDayRule, prepared: Prepared, context: RuleContext
) -> pl.DataFrame:
    """Refuse a call to the debtor after `max_calls` connected calls today, by any entity."""
    variant = context.variant
    connected = prepared.history.filter(
        _CALL
        & pl.col("is_consumer")
        & ~_waived(rule.waived_by, variant)
        & _OUTBOUND
        & pl.col("outcome").cast(pl.String).is_in([outcome.value for outcome in CONNECTED]).fill_null(False)
        & (pl.col(f"date_{variant}") == pl.col(f"today_{variant}"))
    )
    return fired(connected.group_by("pid").len().filter(pl.col("len") >= rule.max_calls), rule.code)


def check_unanswered_attempts(
    rule: UnansweredAttemptsPerDayRule, prepared: Prepared, context: RuleContext
) -> pl.DataFrame:
    """Refuse a call after `max_attempts` unanswered attempts today to the same number."""
    variant = context.variant
    unanswered = prepared.history.filter(
        _CALL
        & ~_waived(rule.waived_by, variant)
        & _OUTBOUND
        & (pl.col("outcome").is_null() | (pl.col("outcome") != Outcome.CONVERSATION.value))
        & _SAME_CONTACT
        & (pl.col(f"date_{variant}") == pl.col(f"today_{variant}"))
    )
    return fired(unanswered.group_by("pid").len().filter(pl.col("len") >= rule.max_attempts), rule.code)


def check_channel_cap(rule: ChannelCapRule, prepared: Prepared, context: RuleContext) -> pl.DataFrame:
    """Refuse a contact through a channel after `max` contacts through it in the day or week."""
    if rule.action not in EVENT_OF_ACTION:
        return fired(prepared.plan.clear(), rule.code)
    span = 1 if rule.per == "day" else 7
    contacts = prepared.history.filter(
        (pl.col("action") == rule.action.value)
        & (pl.col("event_type") == EVENT_OF_ACTION[rule.action].value)
        & _in_span(context.variant, span)
    )
    return fired(contacts.group_by("pid").len().filter(pl.col("len") >= rule.max), rule.code)
