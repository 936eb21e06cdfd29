"""The actions a run planned: which contact point, what compliance says, and what gets written.

Each planned action ends as exactly one `CaseAction` row keyed (case, business date, rule): a message
queued, a work item created, refused by compliance (with the reason codes), or skipped (with why).
Messages and work items carry the key ``cycle:<debt>:<date>:<rule>``, so writing the same plan twice
adds nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import polars as pl
from django.db import connection

from arrears.casework.models import ActionOutcome, CaseAction, WorkItem, WorkItemStatus
from arrears.comms.planned import find_versions, queue_planned
from arrears.compliance import policies
from arrears.compliance.decisions import PlannedRefusal, record_planned_refusals
from arrears.compliance.frames import read_case_frames
from arrears.compliance.history import DEBTOR
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
from arrears.compliance.rules.timing import HolidaysRule, PreferencesRule, WeekdaysRule, WindowRule
from arrears.compliance.rules.vectorized import PLANNED_SCHEMA, CaseFrames, decide_many
from arrears.engine import compile
from arrears.engine.strategy import Strategy
from arrears.portfolio.models import ContactPoint, Debtor
from arrears.usecases.cycle import assign, bulk

if TYPE_CHECKING:
    from arrears.usecases.cycle.partition import CycleContext

# The moment of the business date, on the debtor's own clock, planned contacts are proposed for.
SEND_AT = time(10, 0)
# When a run starts late, it proposes "now" only inside these hours of the contact's clock.
DAYTIME = (time(9, 0), time(19, 0))
MESSAGE_CHANNELS = {"sms": "phone", "email": "email", "app": "app", "letter": "address"}
CONTACT_CHANNELS = {**MESSAGE_CHANNELS, "call": "phone", "visit": "address"}
WORK_CHANNELS = ("call", "visit", "task")

# A contact refused only for its moment is tried on each of the next DEFER_DAYS days.
DEFER_DAYS = 7
TIME_PASSABLE_RULES = (
    WindowRule, PreferencesRule, HolidaysRule, WeekdaysRule, CallsPerDebtRule, PostConversationRule, CallPatternRule,
    CallsPerPersonRule, ConnectedCallsPerDayRule, UnansweredAttemptsPerDayRule, ChannelCapRule,
)  # fmt: skip

SKIP_NO_CONTACT_POINT = "no_contact_point"
SKIP_NO_TEMPLATE = "no_approved_template"


@dataclass
class ActionReport:
    messages: int = 0
    work_items: int = 0
    refusals: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    by_action: Counter[str] = field(default_factory=Counter)

    def as_json(self) -> dict[str, Any]:
        return {
            "messages_created": self.messages, "work_items_created": self.work_items,
            "refusals": dict(self.refusals), "skipped": dict(self.skipped), "by_action": dict(self.by_action),
        }  # fmt: skip


def plan(decided: pl.DataFrame, strategies: Sequence[Strategy]) -> pl.DataFrame:
    """Return one row per action due: the account, its stage, the rule, and what to do (channel, template, queue)."""
    table = pl.concat([compile.action_table(strategy) for strategy in strategies]).unique(
        "rule", keep="first"
    )
    return (
        decided.select("debt_id", "debtor_id", "stage", "balance", "currency", "language", "score", "bucket",
                       "debtor_kind", rule="actions")
        .explode("rule", empty_as_null=False)
        .filter(pl.col("rule").is_not_null())
        .join(table, on="rule", how="left", maintain_order="left")
    )  # fmt: skip


def check(planned: pl.DataFrame, context: CycleContext) -> pl.DataFrame:
    """Return the plan with a contact point, a send moment and the compliance decision for every contact.

    Columns added: ``contact_point_id``, ``send_at`` (UTC), ``decision`` (ALLOW/REVIEW/DENY, null for
    tasks), ``reasons`` and ``skip`` (why nothing can be done, null otherwise).
    """
    contacts = planned.filter(pl.col("channel").is_in(list(CONTACT_CHANNELS)))
    kinds = sorted(
        {CONTACT_CHANNELS[channel] for channel in contacts.get_column("channel").unique().to_list()}
    )
    points = _contact_points(context.portfolio.pk, contacts.get_column("debtor_id").unique().to_list(), kinds)
    located = contacts.with_columns(kind=pl.col("channel").replace_strict(CONTACT_CHANNELS)).join(
        points, on=["debtor_id", "kind"], how="left", maintain_order="left"
    )
    located = located.with_columns(send_at=_send_moments(located, context))
    reachable = located.filter(pl.col("contact_point_id").is_not_null())
    decided = _decide(reachable, context)
    unreachable = located.filter(pl.col("contact_point_id").is_null()).with_columns(
        decision=pl.lit(None, pl.String()),
        reasons=pl.lit([], pl.List(pl.String())),
        skip=pl.lit(SKIP_NO_CONTACT_POINT),
    )
    tasks = planned.filter(~pl.col("channel").is_in(list(CONTACT_CHANNELS))).with_columns(
        kind=pl.lit(None, pl.String()), contact_point_id=pl.lit(None, pl.Int64()), zone=pl.lit(None, pl.String()),
        send_at=pl.lit(context.now).dt.convert_time_zone("UTC"), decision=pl.lit(None, pl.String()),
        reasons=pl.lit([], pl.List(pl.String())), skip=pl.lit(None, pl.String()),
    )  # fmt: skip
    columns = tasks.columns
    return pl.concat(
        [frame.select(columns) for frame in (decided, unreachable, tasks)], how="vertical_relaxed"
    )


def _contact_points(portfolio_id: int, debtor_ids: list[int], kinds: list[str]) -> pl.DataFrame:
    """Return each debtor's first own contact point of each kind (primary first), except do-not-contact ones.

    One set-based query for the portfolio's points of those kinds (its first time zone taken in SQL),
    kept for ``debtor_ids`` in Polars — no list of ids sent to the database.
    """
    schema = {
        "debtor_id": pl.Int64(),
        "kind": pl.String(),
        "contact_point_id": pl.Int64(),
        "zone": pl.String(),
    }
    if not kinds or not debtor_ids:
        return pl.DataFrame(schema=schema)
    first_zone = "time_zones->>0" if connection.vendor == "postgresql" else "json_extract(time_zones, '$[0]')"
    placeholders = ", ".join(["%s"] * len(kinds))
    sql = (
        f"SELECT p.debtor_id, p.kind, p.id, {first_zone} FROM {ContactPoint._meta.db_table} p "  # noqa: S608 - fixed names
        f"JOIN {Debtor._meta.db_table} d ON d.id = p.debtor_id "
        f"WHERE d.portfolio_id = %s AND p.contact_person_id IS NULL AND NOT p.do_not_contact "
        f"AND p.kind IN ({placeholders}) ORDER BY p.debtor_id, p.kind, p.is_primary DESC, p.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [portfolio_id, *kinds])
        frame = pl.DataFrame(
            cursor.fetchall(),
            schema={
                "debtor_id": pl.Int64(),
                "kind": pl.String(),
                "contact_point_id": pl.Int64(),
                "zone": pl.String(),
            },
            orient="row",
        )
    wanted = pl.DataFrame({"debtor_id": debtor_ids}, schema={"debtor_id": pl.Int64()})
    return frame.join(wanted, on="debtor_id", how="semi").unique(
        ["debtor_id", "kind"], keep="first", maintain_order=True
    )


def _send_moments(located: pl.DataFrame, context: CycleContext) -> pl.Series:
    """Return, per row, when to propose the contact, in UTC: SEND_AT on the business date on the contact's clock.

    The contact's clock is its first time zone (the portfolio's when unknown). A run that starts
    after that moment proposes its own start, unless that falls outside DAYTIME on that clock; then
    SEND_AT on the next day.
    """
    fallback = context.portfolio.time_zone
    zones = located.get_column("zone").fill_null(fallback)
    moments = {
        zone: send_moment(context.business_date, context.now, zone).astimezone(UTC)
        for zone in zones.unique().to_list()
    }
    return zones.replace_strict(moments, return_dtype=pl.Datetime("us", "UTC")).alias("send_at")


def send_moment(business_date: date, now: datetime, zone: str) -> datetime:
    """Return the moment a contact planned for ``business_date`` is proposed for, on ``zone``'s clock."""
    clock = ZoneInfo(zone)
    planned = datetime.combine(business_date, SEND_AT, tzinfo=clock)
    if planned >= now:
        return planned
    local = now.astimezone(clock)
    if DAYTIME[0] <= local.time() <= DAYTIME[1]:
        return now
    day = local.date() if local.time() < DAYTIME[0] else local.date() + timedelta(days=1)
    return datetime.combine(day, SEND_AT, tzinfo=clock)


def _decide(reachable: pl.DataFrame, context: CycleContext) -> pl.DataFrame:
    """Return the reachable contacts with the vectorized compliance decision of each."""
    if reachable.height == 0:
        return reachable.with_columns(
            decision=pl.lit(None, pl.String()),
            reasons=pl.lit([], pl.List(pl.String())),
            skip=pl.lit(None, pl.String()),
        )
    entity = policies.get_collector_entity(context.portfolio)
    frames = read_case_frames(
        debtor_ids=reachable.get_column("debtor_id").unique(), collectors=entity, now=context.now
    )
    planned = reachable.select(
        case_id="debtor_id", at="send_at", action=pl.col("channel"), person=pl.lit(DEBTOR),
        debts=pl.concat_list(pl.col("debt_id").cast(pl.String())), by=pl.lit(entity),
        contact=pl.format("point:{}", pl.col("contact_point_id")),  # as history.contact_key
        purpose=pl.lit("collect"),
    ).cast(PLANNED_SCHEMA)  # fmt: skip
    policy = policies.get_policy(context.portfolio)
    zones = reachable.get_column("zone").fill_null(context.portfolio.time_zone)
    decision, reasons, moments = _decide_deferring(frames, planned, zones, policy, context)
    return reachable.with_columns(
        decision=decision, reasons=reasons, send_at=moments, skip=pl.lit(None, pl.String())
    )


def _decide_deferring(
    frames: CaseFrames, planned: pl.DataFrame, zones: pl.Series, policy: Policy, context: CycleContext
) -> tuple[pl.Series, pl.Series, pl.Series]:
    """Decide every planned contact; one refused only by rules that pass with time moves to a later day.

    A contact refused only for its moment (the window, a holiday or weekday, a frequency count) is
    proposed again at SEND_AT on each following day, up to DEFER_DAYS days, and keeps the first
    moment that is allowed; what no day allows stays refused with its reasons.
    """
    passing = time_passable_codes(policy)
    verdicts = decide_many(frames, planned, policy)
    decision = verdicts.get_column("decision").cast(pl.String())
    reasons = verdicts.get_column("reasons")
    moments = planned.get_column("at")
    for days in range(1, DEFER_DAYS + 1):
        waiting = (decision == "DENY") & reasons.list.eval(pl.element().is_in(list(passing))).list.all()
        if not waiting.any():
            break
        index = waiting.arg_true()
        later = planned.filter(waiting).with_columns(at=_day_later(zones.filter(waiting), days, context))
        again = decide_many(frames, later, policy)
        allowed = again.get_column("decision").cast(pl.String()) == "ALLOW"
        chosen = index.filter(allowed)
        decision = decision.scatter(chosen, "ALLOW")
        cleared = pl.Series("cleared", range(len(decision))).is_in(chosen.implode())
        reasons = pl.select(
            pl.when(cleared).then(pl.lit([], pl.List(pl.String()))).otherwise(reasons)
        ).to_series()
        moments = moments.scatter(chosen, later.get_column("at").filter(allowed))
    return decision.alias("decision"), reasons.alias("reasons"), moments.alias("send_at")


def _day_later(zones: pl.Series, days: int, context: CycleContext) -> pl.Series:
    """Return SEND_AT ``days`` after the business date on each row's clock, in UTC."""
    day = context.business_date + timedelta(days=days)
    moments = {
        zone: datetime.combine(day, SEND_AT, tzinfo=ZoneInfo(zone)).astimezone(UTC)
        for zone in zones.unique().to_list()
    }
    return zones.replace_strict(moments, return_dtype=pl.Datetime("us", "UTC")).alias("at")


def time_passable_codes(policy: Policy) -> frozenset[str]:
    """Return the reason codes of the policy's rules that a later moment can pass (time and frequency rules)."""
    rules = [*(rule for pack in policy.packs for rule in pack.rules), *policy.overrides]
    codes: set[str] = set()
    for rule in rules:
        if isinstance(rule, TIME_PASSABLE_RULES):
            codes.add(rule.code)
            codes.update(code for code in (getattr(rule, "ambiguous_code", None),) if code)
    return frozenset(codes)


def write(checked: pl.DataFrame, case_ids: dict[int, int], context: CycleContext) -> ActionReport:
    """Queue the allowed messages, create the work items, keep the refusals; one `CaseAction` per planned action.

    Everything is decided column-wise and written as frames; only the refusals and the work items
    (a small share) pass through Python rows.
    """
    report = ActionReport()
    if checked.height == 0:
        return report
    day, now = context.business_date, context.now
    rows = _with_versions(
        checked.with_columns(
            case_id=pl.col("debt_id").replace_strict(case_ids, return_dtype=pl.Int64()),
            key=pl.format("cycle:{}:{}:{}", pl.col("debt_id"), pl.lit(day.isoformat()), pl.col("rule")),
        )
    )
    is_message = pl.col("channel").is_in(list(MESSAGE_CHANNELS))
    refused = pl.col("skip").is_null() & pl.col("decision").is_not_null() & (pl.col("decision") != "ALLOW")
    rows = rows.with_columns(
        outcome=pl.when(pl.col("skip").is_not_null()).then(pl.lit(ActionOutcome.SKIPPED.value))
        .when(refused).then(pl.lit(ActionOutcome.REFUSED.value))
        .when(is_message & pl.col("template_version_id").is_null()).then(pl.lit(ActionOutcome.SKIPPED.value))
        .when(is_message).then(pl.lit(ActionOutcome.QUEUED.value))
        .otherwise(pl.lit(ActionOutcome.WORK_ITEM.value)),
    ).with_columns(
        skip=pl.when((pl.col("outcome") == ActionOutcome.SKIPPED.value) & pl.col("skip").is_null())
        .then(pl.lit(SKIP_NO_TEMPLATE)).otherwise(pl.col("skip")),
    ).with_columns(
        reasons=pl.when(pl.col("outcome") == ActionOutcome.SKIPPED.value).then(pl.concat_list(pl.col("skip")))
        .when(pl.col("outcome") == ActionOutcome.REFUSED.value).then(pl.col("reasons"))
        .otherwise(pl.lit([], pl.List(pl.String()))),
    )  # fmt: skip
    report.by_action.update(dict(rows.get_column("channel").value_counts().iter_rows()))
    report.skipped.update(
        dict(rows.filter(pl.col("skip").is_not_null()).get_column("skip").value_counts().iter_rows())
    )
    refusals = rows.filter(pl.col("outcome") == ActionOutcome.REFUSED.value)
    for reasons in refusals.get_column("reasons"):
        report.refusals.update(reasons)
    queued = rows.filter(pl.col("outcome") == ActionOutcome.QUEUED.value)
    message_ids = queue_planned(
        queued.select(
            "debtor_id", "debt_id", "contact_point_id", "channel", purpose="template", language="template_language",
            template_version_id="template_version_id", not_before="send_at", idempotency_key="key",
        ),
        now=now, source="cycle", portfolio_id=context.portfolio.pk,
    )  # fmt: skip
    report.messages = queued.height
    report.work_items = _create_work_items(
        rows.filter(pl.col("outcome") == ActionOutcome.WORK_ITEM.value), context
    )
    record_planned_refusals(
        [
            PlannedRefusal(
                debtor_id=row["debtor_id"], contact_point_id=row["contact_point_id"], action=row["channel"],
                debt_ids=(row["debt_id"],), proposed_at=row["send_at"], decision=row["decision"],
                reasons=tuple(row["reasons"]),
            )
            for row in refusals.iter_rows(named=True)
        ],
        policy=policies.get_policy(context.portfolio).label, now=now,
    )  # fmt: skip
    bulk.insert(
        CaseAction,
        rows.select(
            "case_id", business_date=pl.lit(day), rule="rule", channel="channel",
            template=pl.col("template").fill_null(""), outcome="outcome", reasons=bulk.json_list("reasons"),
            message_id=pl.col("key").replace_strict(message_ids, default=None, return_dtype=pl.Int64()),
            send_at=pl.when(pl.col("outcome") == ActionOutcome.QUEUED.value).then(bulk.moments("send_at")),
            created_at=bulk.moment(now),
        ),
    )  # fmt: skip
    return report


def _with_versions(rows: pl.DataFrame) -> pl.DataFrame:
    """Add the approved template version (id and language) for each message action that can be sent."""
    wanted = (
        rows.filter(pl.col("channel").is_in(list(MESSAGE_CHANNELS)) & pl.col("skip").is_null())
        .select("template", "channel", "language")
        .unique()
    )
    versions = find_versions(wanted.iter_rows())
    found = pl.DataFrame(
        [
            (purpose, channel, language, version.pk if version else None, version.template.language if version else None)
            for (purpose, channel, language), version in versions.items()
        ],
        schema={"template": pl.String(), "channel": pl.String(), "language": pl.String(),
                "template_version_id": pl.Int64(), "template_language": pl.String()},
        orient="row",
    )  # fmt: skip
    return rows.join(
        found, on=["template", "channel", "language"], how="left", maintain_order="left", nulls_equal=True
    )


def _create_work_items(works: pl.DataFrame, context: CycleContext) -> int:
    """Create the work items, each with its expected recovery and the skills it needs (assigned when the run ends)."""
    if works.height == 0:
        return 0
    facts = works.select("balance", "currency", "score", "bucket", "language", "debtor_kind").to_dicts()
    bulk.insert(
        WorkItem,
        works.select(
            "case_id", portfolio_id=pl.lit(context.portfolio.pk, pl.Int64()),
            queue=pl.coalesce(pl.col("queue"), pl.col("channel")), kind="channel",
            script=pl.col("template").fill_null(""), rule="rule", business_date=pl.lit(context.business_date),
            priority=pl.Series([assign.expected_recovery(row) for row in facts], dtype=pl.Decimal(18, 2)),
            needed_skills=pl.Series([json.dumps(assign.needed_skills(row)) for row in facts], dtype=pl.String()),
            stage=pl.col("stage").fill_null(""),
            status=pl.lit(WorkItemStatus.OPEN.value), assigned_to_id=pl.lit(None, pl.Int64()),
            idempotency_key="key", created_at=bulk.moment(context.now), closed_at=pl.lit(None, pl.String()),
        ),
    )  # fmt: skip
    return works.height
