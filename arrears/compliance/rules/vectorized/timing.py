"""Rules about the moment, over frames: windows in every candidate zone, preferences, closed days."""

from __future__ import annotations

from functools import cache

import holidays as public_holidays
import polars as pl

from arrears.compliance.rules.timing import HolidaysRule, PreferencesRule, WeekdaysRule, WindowRule
from arrears.compliance.rules.vectorized.clock import inside, inside_columns
from arrears.compliance.rules.vectorized.findings import action_in, consent_column, fired
from arrears.compliance.rules.vectorized.prepare import Prepared, RuleContext
from arrears.compliance.rules.vocabulary import TIMED_ACTIONS, Weekday


def check_window(rule: WindowRule, prepared: Prepared, context: RuleContext) -> pl.DataFrame:
    """Refuse actions outside [start, end) in any candidate zone, or without any zone."""
    variant = context.variant
    applies = action_in(rule.actions)
    if rule.waived_by:
        applies &= ~pl.col(consent_column(rule.waived_by, variant))
    candidates = prepared.plan.filter(applies).select("pid", zone_count=f"zone_count_{variant}")
    missing = fired(candidates.filter(pl.col("zone_count") == 0), rule.missing_code or rule.code)
    outside = (
        prepared.zone_times(variant)
        .group_by("pid")
        .agg(inside=inside(pl.col("time"), rule.start, rule.end).all())
        .filter(~pl.col("inside"))
    )
    refused = candidates.join(outside, on="pid", how="semi")
    code: str | pl.Expr = rule.code
    if rule.ambiguous_code:
        code = (
            pl.when(pl.col("zone_count") > 1).then(pl.lit(rule.ambiguous_code)).otherwise(pl.lit(rule.code))
        )
    return pl.concat([missing, fired(refused, code)])


def check_preferences(rule: PreferencesRule, prepared: Prepared, context: RuleContext) -> pl.DataFrame:
    """Refuse actions outside any of the person's own convenient times, in every candidate zone."""
    variant = context.variant
    candidates = prepared.plan.filter(
        action_in(TIMED_ACTIONS) & (pl.col(f"zone_count_{variant}") > 0)
    ).select("pid", "case_id", "person")
    preferences = prepared.frames.preferences.with_row_index("preference")
    outside = (
        candidates.join(preferences, on=["case_id", "person"])
        .join(prepared.zone_times(variant), on="pid")
        .group_by("pid", "preference")
        .agg(inside=inside_columns(pl.col("time"), pl.col("not_before"), pl.col("not_after")).all())
        .filter(~pl.col("inside"))
    )
    return fired(outside.unique("pid"), rule.code)


@cache
def _holiday_calendar(country: str, subdivision: str | None, years: tuple[int, ...]) -> list[object]:
    return list(public_holidays.country_holidays(country, subdiv=subdivision, years=years).keys())


def check_holidays(rule: HolidaysRule, prepared: Prepared, context: RuleContext) -> pl.DataFrame:
    """Refuse actions on a public holiday of the region, on the person's local date."""
    today = pl.col(f"today_{context.variant}")
    years = tuple(sorted(prepared.plan[f"today_{context.variant}"].dt.year().unique().drop_nulls().to_list()))
    closed = _holiday_calendar(rule.country, rule.subdivision, years)
    return fired(prepared.plan.filter(action_in(rule.actions) & today.is_in(closed)), rule.code)


def check_weekdays(rule: WeekdaysRule, prepared: Prepared, context: RuleContext) -> pl.DataFrame:
    """Refuse actions on the given local weekdays."""
    numbers = sorted(list(Weekday).index(weekday) + 1 for weekday in rule.weekdays)
    weekday = pl.col(f"today_{context.variant}").dt.weekday()
    return fired(prepared.plan.filter(action_in(rule.actions) & weekday.is_in(numbers)), rule.code)
