"""What every rule reads, computed once: the planned actions' persons, zones and local dates,
consents, and the history the counting rules look back on.

A *context* is one pack (or the portfolio's overrides) as the scalar engine sees it. Contexts
differ only in the zone they assume for a person without one (the pack's `default_zone`), so the
zone-dependent columns exist once per distinct default zone, a *variant*, suffixed `_<variant>`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

import polars as pl

from arrears.compliance.rules.base import Rule
from arrears.compliance.rules.frequency import (
    CallsPerDebtRule,
    CallsPerPersonRule,
    ChannelCapRule,
    PostConversationRule,
)
from arrears.compliance.rules.holds import HoldCode
from arrears.compliance.rules.packs import Policy
from arrears.compliance.rules.vectorized.clock import local_clock, local_date
from arrears.compliance.rules.vectorized.frames import CaseFrames
from arrears.compliance.rules.vocabulary import (
    CONSUMER_EQUIVALENT,
    NOT_CONNECTED,
    PERMITTED_PERSONS,
    EventType,
    HoldType,
    Outcome,
    Relation,
)

# Local dates lie within a day of UTC dates; two days of margin keep every counted event.
_MARGIN = timedelta(days=2)
_UNCOUNTED_OUTCOMES = [outcome.value for outcome in (*NOT_CONNECTED, Outcome.THIRD_PARTY_ANSWERED)]


@dataclass(frozen=True)
class RuleContext:
    """One pack (or the overrides) as the scalar engine evaluates it, with its first reason slot."""

    pack: str
    variant: int
    rules: tuple[Rule, ...]
    hold_codes: Mapping[HoldType, HoldCode] | None
    first_slot: int

    @property
    def holds_slot(self) -> int:
        return self.first_slot + len(self.rules)


def contexts_of(policy: Policy) -> tuple[list[RuleContext], list[str | None]]:
    """Return the policy's contexts in the scalar engine's order, and the variants' default zones."""
    variants: list[str | None] = []
    contexts: list[RuleContext] = []
    slot = 0
    entries: list[tuple[str, str | None, tuple[Rule, ...], Mapping[HoldType, HoldCode] | None]] = [
        (pack.pack, pack.default_zone, tuple(pack.rules), pack.holds) for pack in policy.packs
    ]
    if policy.overrides:
        entries.append(("portfolio", policy.default_zone, tuple(policy.overrides), None))
    for pack, default_zone, rules, hold_codes in entries:
        if default_zone not in variants:
            variants.append(default_zone)
        contexts.append(RuleContext(pack, variants.index(default_zone), rules, hold_codes, slot))
        slot += len(rules) + 1
    return contexts, variants


def history_span(contexts: Sequence[RuleContext]) -> int:
    """Return how many local days back (today included) the counting rules look."""
    spans = [1]
    for context in contexts:
        for rule in context.rules:
            if isinstance(rule, CallsPerDebtRule | PostConversationRule | CallsPerPersonRule):
                spans.append(rule.days)
            elif isinstance(rule, ChannelCapRule):
                spans.append(7 if rule.per == "week" else 1)
    return max(spans)


def relation_is(relations: Iterable[Relation]) -> pl.Expr:
    """Return `relation` ∈ relations as a boolean column."""
    return pl.col("relation").cast(pl.String).is_in(sorted(relation.value for relation in relations))


class Prepared:
    """The planned actions and history, enriched once and shared by every rule."""

    def __init__(
        self, cases: CaseFrames, planned: pl.DataFrame, variants: list[str | None], span_days: int
    ) -> None:
        self.frames = cases
        self.planned = planned
        self.variants = variants
        self.span_days = span_days

    # --- persons and the planned actions ---------------------------------------------------------

    @cached_property
    def people(self) -> pl.DataFrame:
        """Return each person's relation, and per variant their zones and primary zone."""
        consumers = self.frames.cases.join(
            self.frames.persons.select("case_id", pl.col("person").alias("consumer"), consumer_zones="zones"),
            on=["case_id", "consumer"],
            how="left",
        ).select("case_id", "consumer_zones")
        people = self.frames.persons.join(consumers, on="case_id", how="left")
        for variant, default_zone in enumerate(self.variants):
            fallback = pl.lit([default_zone] if default_zone else [], dtype=pl.List(pl.String))
            zones = (
                pl.when(pl.col("zones").list.len() > 0)
                .then("zones")
                .when(pl.col("consumer_zones").list.len() > 0)
                .then("consumer_zones")
                .otherwise(fallback)
            )
            people = people.with_columns(zones.alias(f"zones_{variant}")).with_columns(
                pl.col(f"zones_{variant}").list.first().fill_null("UTC").alias(f"primary_{variant}")
            )
        return people.drop("zones", "consumer_zones")

    @cached_property
    def plan(self) -> pl.DataFrame:
        """Return the planned actions with `pid`, the person's facts, local dates and consents."""
        case_debts = self.frames.debts.group_by("case_id").agg(case_debts="debt")
        plan = (
            self.planned.with_row_index("pid")
            .join(self.people, on=["case_id", "person"], how="left")
            .join(self.frames.cases, on="case_id", how="left")
            .join(case_debts, on="case_id", how="left")
            .with_columns(
                concerned=pl.when(pl.col("debts").list.len() > 0).then("debts").otherwise("case_debts"),
                is_consumer=pl.col("relation") == Relation.CONSUMER.value,
                counts_as_consumer=relation_is(CONSUMER_EQUIVALENT),
                is_guarantor=pl.col("relation") == Relation.GUARANTOR.value,
                is_permitted=relation_is(PERMITTED_PERSONS),
            )
            .drop("case_debts")
        )
        for variant in range(len(self.variants)):
            plan = plan.with_columns(
                local_date(plan, at="at", zone=f"primary_{variant}").alias(f"today_{variant}")
            )
        flags = self._consent_flags(plan, key="pid", at="at", day="today")
        return plan.join(flags, on="pid", how="left").with_columns(pl.col(flags.columns[1:]).fill_null(False))

    def zone_times(self, variant: int) -> pl.DataFrame:
        """Return (pid, time): the local time of each planned action in each candidate zone."""
        cached = self._zone_times.get(variant)
        if cached is None:
            exploded = self.plan.select("pid", "at", zone=f"zones_{variant}").explode(
                "zone", empty_as_null=False
            )
            cached = exploded.select("pid", time=local_clock(exploded, at="at", zone="zone").dt.time())
            self._zone_times[variant] = cached
        return cached

    @cached_property
    def _zone_times(self) -> dict[int, pl.DataFrame]:
        return {}

    @cached_property
    def plan_particulars(self) -> pl.DataFrame:
        """Return (pid, particular): the particular debts each planned call concerns."""
        calls = self.plan.filter(pl.col("action") == "call").select("pid", "case_id", debt="concerned")
        return _particulars(calls.explode("debt", empty_as_null=False), self.frames.debts, "pid")

    # --- consents ---------------------------------------------------------------------------------

    def _consent_flags(self, frame: pl.DataFrame, *, key: str, at: str, day: str) -> pl.DataFrame:
        """Return per `key`: consent_time, consent_caps and, per variant, consent_frequency_<v>.

        A consent covers a moment from its receipt until it expires; a Reg F frequency consent
        only on the local day of receipt and the six after (in the person's primary zone).
        """
        variants = range(len(self.variants))
        columns = [
            key,
            "case_id",
            "person",
            at,
            *(f"primary_{v}" for v in variants),
            *(f"{day}_{v}" for v in variants),
        ]
        joined = (
            frame.select(columns)
            .join(self.frames.consents.filter(pl.col("given_directly")), on=["case_id", "person"])
            .filter(
                (pl.col("received_at") <= pl.col(at))
                & (pl.col("expires_at").is_null() | (pl.col(at) < pl.col("expires_at")))
            )
        )
        for variant in variants:
            joined = joined.with_columns(
                local_date(joined, at="received_at", zone=f"primary_{variant}").alias(
                    f"received_on_{variant}"
                )
            )
        frequency = [
            (
                pl.col("scope_frequency")
                & pl.col(f"{day}_{variant}").is_between(
                    pl.col(f"received_on_{variant}"), pl.col(f"received_on_{variant}") + timedelta(days=6)
                )
            )
            .any()
            .alias(f"consent_frequency_{variant}")
            for variant in variants
        ]
        return joined.group_by(key).agg(
            pl.col("scope_time").any().alias("consent_time"),
            pl.col("scope_caps").any().alias("consent_caps"),
            *frequency,
        )

    # --- the history ------------------------------------------------------------------------------

    @cached_property
    def recent(self) -> pl.DataFrame:
        """Return the events the counting rules may look at, with local dates and counted flags."""
        if self.plan.is_empty():
            return self.frames.events.clear().with_row_index("eid")
        first = self.plan["at"].min() - timedelta(days=self.span_days) - _MARGIN  # type: ignore[operator]
        last = self.plan["at"].max()
        recent = (
            self.frames.events.filter(pl.col("at").is_between(first, last, closed="left"))
            .with_row_index("eid")
            .join(
                self.people.select("case_id", "person", "relation", "^primary_.*$"),
                on=["case_id", "person"],
                how="left",
            )
            .with_columns(is_permitted=relation_is(PERMITTED_PERSONS).fill_null(False))
        )
        for variant in range(len(self.variants)):
            recent = recent.with_columns(
                local_date(recent, at="at", zone=f"primary_{variant}").alias(f"date_{variant}")
            )
        calls = recent.filter(pl.col("type") == EventType.CALL_OUTBOUND.value)
        flags = self._consent_flags(calls, key="eid", at="at", day="date")
        recent = recent.join(flags.drop("consent_time", "consent_caps"), on="eid", how="left")
        countable = (
            (pl.col("type") == EventType.CALL_OUTBOUND.value)
            & ~pl.col("outcome").cast(pl.String).is_in(_UNCOUNTED_OUTCOMES).fill_null(False)
            & ~pl.col("consent")
            & ~pl.col("is_permitted")
        )
        return recent.with_columns(
            (countable & ~pl.col(f"consent_frequency_{variant}").fill_null(False)).alias(f"counted_{variant}")
            for variant in range(len(self.variants))
        )

    @cached_property
    def event_particulars(self) -> pl.DataFrame:
        """Return (eid, particular): the particular debts each recent call concerns."""
        calls = self.recent.filter(pl.col("type").cast(pl.String).str.starts_with("call_"))
        case_debts = self.frames.debts.group_by("case_id").agg(case_debts="debt")
        concerned = (
            calls.select("eid", "case_id", "debts")
            .join(case_debts, on="case_id", how="left")
            .select(
                "eid",
                "case_id",
                debt=pl.when(pl.col("debts").list.len() > 0).then("debts").otherwise("case_debts"),
            )
        )
        return _particulars(concerned.explode("debt", empty_as_null=False), self.frames.debts, "eid")

    @cached_property
    def history(self) -> pl.DataFrame:
        """Return each planned action joined with the recent events of its person strictly before it."""
        plan = self.plan.select(
            "pid", "case_id", "person", "at", "action", "by", "contact", "is_permitted", "is_consumer",
            "^today_.*$", "^consent_.*$",
        )  # fmt: skip
        events = self.recent.select(
            "eid", "case_id", "person", "outcome", "^date_.*$", "^counted_.*$",
            event_at="at", event_type="type", event_by="by", event_contact="contact",
        )  # fmt: skip
        return plan.join(events, on=["case_id", "person"]).filter(
            pl.col("event_at") < pl.col("at"),
            pl.col("event_at") >= pl.col("at") - timedelta(days=self.span_days) - _MARGIN,
        )

    def full_history(self, keys: pl.DataFrame, *, on: list[str]) -> pl.DataFrame:
        """Return every event (any age) of the given (case, person) keys."""
        return self.frames.events.join(keys.unique(), on=on, how="semi")


def _particulars(exploded: pl.DataFrame, debts: pl.DataFrame, key: str) -> pl.DataFrame:
    return (
        exploded.join(debts.select("case_id", "debt", "particular"), on=["case_id", "debt"])
        .select(key, "particular")
        .unique()
    )
