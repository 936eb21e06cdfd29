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
    def _persons(self) -> pl.DataFrame:
        """Return the persons with an integer `person_key` and the zones they are judged in.

        A person without zones has the consumer's (RULES.md: a third party's zones default to the
        consumer's); the pack's default zone, if any, comes per variant in `person_zones`.
        """
        persons = self.frames.persons.with_row_index("person_key")
        consumer_zones = persons.join(
            self.frames.cases.select("case_id", person="consumer"), on=["case_id", "person"]
        ).select("case_id", consumer_zones="zones")
        return persons.join(consumer_zones, on="case_id", how="left").select(
            "person_key", "case_id", "person", "relation",
            zones=pl.when(pl.col("zones").list.len() > 0).then("zones").otherwise("consumer_zones"),
        )  # fmt: skip

    def person_zones(self, variant: int) -> pl.DataFrame:
        """Return (person_key, zone): each person's candidate zones in this variant, primary first."""
        cached = self._person_zones.get(variant)
        if cached is None:
            known = (
                self._persons.select("person_key", zone="zones")
                .explode("zone", empty_as_null=False)
                .drop_nulls()
            )
            default_zone = self.variants[variant]
            if default_zone:
                unknown = self._persons.filter(pl.col("zones").fill_null([]).list.len() == 0)
                known = pl.concat([known, unknown.select("person_key", zone=pl.lit(default_zone, pl.String))])
            cached = known
            self._person_zones[variant] = cached
        return cached

    @cached_property
    def _person_zones(self) -> dict[int, pl.DataFrame]:
        return {}

    @cached_property
    def people(self) -> pl.DataFrame:
        """Return each person's key, relation, and per variant their zone count and primary zone."""
        people = self._persons.drop("zones")
        for variant in range(len(self.variants)):
            per_person = (
                self.person_zones(variant)
                .group_by("person_key")
                .agg(
                    pl.col("zone").first().alias(f"primary_{variant}"),
                    pl.len().alias(f"zone_count_{variant}"),
                )
            )
            people = people.join(per_person, on="person_key", how="left").with_columns(
                pl.col(f"primary_{variant}").fill_null("UTC"), pl.col(f"zone_count_{variant}").fill_null(0)
            )
        return people

    @cached_property
    def plan(self) -> pl.DataFrame:
        """Return the planned actions with `pid`, the person's facts, local dates and consents.

        :raises UnknownPerson: when an action names a person its case does not have.
        """
        planned = self.planned.select(pl.exclude("debts")).with_row_index("pid")
        plan = (
            planned.join(self.people, on=["case_id", "person"], how="left")
            .join(
                self.frames.cases.select("case_id", "consumer", "employer_prohibits"),
                on="case_id",
                how="left",
            )
            .with_columns(
                is_consumer=pl.col("relation") == Relation.CONSUMER.value,
                counts_as_consumer=relation_is(CONSUMER_EQUIVALENT),
                is_guarantor=pl.col("relation") == Relation.GUARANTOR.value,
                is_permitted=relation_is(PERMITTED_PERSONS),
            )
        )
        unknown = plan.filter(pl.col("person_key").is_null())
        if not unknown.is_empty():
            raise UnknownPerson(unknown.select("case_id", "person").row(0))
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
            exploded = self.plan.select("pid", "person_key", "at").join(
                self.person_zones(variant), on="person_key"
            )
            cached = exploded.select("pid", time=local_clock(exploded, at="at", zone="zone").dt.time())
            self._zone_times[variant] = cached
        return cached

    @cached_property
    def _zone_times(self) -> dict[int, pl.DataFrame]:
        return {}

    def concerned(self, pids: pl.DataFrame) -> pl.DataFrame:
        """Return (pid, debt): the debts each given planned action concerns (all the case's if none named)."""
        debts = (
            self.planned.select("case_id", "debts")
            .with_row_index("pid")
            .join(pids.select("pid").unique(), on="pid")
        )
        return _debts_concerned(debts, self.frames.debts, "pid")

    @cached_property
    def plan_particulars(self) -> pl.DataFrame:
        """Return (pid, particular): the particular debts each planned call concerns."""
        calls = self.plan.filter(pl.col("action") == "call").select("pid")
        return self._particulars(self.concerned(calls), "pid")

    def _particulars(self, concerned: pl.DataFrame, key: str) -> pl.DataFrame:
        """Return (key, particular) from (key, case_id, debt), each particular once per key."""
        particulars = concerned.join(self._debt_codes, on=["case_id", "debt"]).select(key, "particular")
        # Only debts sharing a group can name one particular debt twice.
        return particulars.unique() if self._has_groups else particulars

    @cached_property
    def _debt_codes(self) -> pl.DataFrame:
        """Return (case_id, debt, particular) with the particular debt as an integer code.

        Codes are shared across cases; that is harmless, as every join on them is within a case.
        """
        return self.frames.debts.select(
            "case_id", "debt", particular=pl.col("particular").rank("dense").cast(pl.UInt32)
        )

    @cached_property
    def _has_groups(self) -> bool:
        return bool((self.frames.debts["particular"] != self.frames.debts["debt"]).any())

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
    def _recent_events(self) -> pl.DataFrame:
        """Return the events the counting rules may look at (by moment), with an `eid`."""
        if self.plan.is_empty():
            return self.frames.events.clear().with_row_index("eid")
        first = self.plan["at"].min() - timedelta(days=self.span_days) - _MARGIN  # type: ignore[operator]
        last = self.plan["at"].max()
        return self.frames.events.filter(pl.col("at").is_between(first, last, closed="left")).with_row_index(
            "eid"
        )

    @cached_property
    def recent(self) -> pl.DataFrame:
        """Return the recent events with their person's key, local dates and counted flags."""
        people = self.people.select("case_id", "person", "person_key", "relation", "^primary_.*$")
        recent = (
            self._recent_events.select(pl.exclude("debts"))
            .join(people, on=["case_id", "person"], how="left")
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
    def call_event_particulars(self) -> pl.DataFrame:
        """Return (eid, particular) for the recent calls the Reg F prongs may count against a planned call."""
        calls = self.history.filter(
            (pl.col("action") == "call")
            & pl.col("event_type").cast(pl.String).str.starts_with("call_")
            & (pl.col("event_by") == pl.col("by"))
        ).select("eid")
        events = self._recent_events.select("eid", "case_id", "debts").join(calls.unique(), on="eid")
        return self._particulars(_debts_concerned(events, self.frames.debts, "eid"), "eid")

    @cached_property
    def history(self) -> pl.DataFrame:
        """Return each planned action joined with the recent events of its person strictly before it."""
        plan = self.plan.select(
            "pid", "person_key", "at", "action", "by", "contact", "is_permitted", "is_consumer",
            "^today_.*$", "^consent_.*$",
        )  # fmt: skip
        events = self.recent.select(
            "eid", "person_key", "outcome", "^date_.*$", "^counted_.*$",
            event_at="at", event_type="type", event_by="by", event_contact="contact",
        )  # fmt: skip
        return plan.join(events, on="person_key").filter(
            pl.col("event_at") < pl.col("at"),
            pl.col("event_at") >= pl.col("at") - timedelta(days=self.span_days) - _MARGIN,
        )

    def full_history(self, keys: pl.DataFrame) -> pl.DataFrame:
        """Return every event (any age) of the given (case_id, person) keys."""
        cases = self.frames.events.join(keys.select("case_id").unique(), on="case_id", how="semi")
        return cases.join(keys.select("case_id", "person").unique(), on=["case_id", "person"], how="semi")


class UnknownPerson(KeyError):
    """A planned action that names a person its case does not have (the scalar engine's KeyError)."""


def _debts_concerned(frame: pl.DataFrame, debts: pl.DataFrame, key: str) -> pl.DataFrame:
    """Return (key, case_id, debt) from (key, case_id, debts): an empty list means all the case's debts."""
    named = frame.filter(pl.col("debts").list.len() > 0).explode("debts", empty_as_null=False)
    every = frame.filter(pl.col("debts").list.len() == 0).join(debts.select("case_id", "debt"), on="case_id")
    return pl.concat([named.select(key, "case_id", debt="debts"), every.select(key, "case_id", "debt")])
