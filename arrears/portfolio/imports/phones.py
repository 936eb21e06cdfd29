"""Phone numbers of a whole column to E.164, and their candidate time zones, with phonenumbers.

Calling ``phonenumbers.parse`` costs about 30 µs a number, too slow for a million rows. Numbers
written in full international form for the portfolio's country, or as a bare national significant
number, are checked column-wise against phonenumbers' own metadata (the mobile and fixed-line
patterns and their possible lengths). Every other spelling goes through
:func:`contact_values.normalize_phone` one distinct value at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import phonenumbers
import polars as pl
from phonenumbers import PhoneMetadata
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

from arrears.core import zones
from arrears.portfolio import contact_values

_SEPARATORS = r"[\s\-().]"
_OTHER_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
)


_Rule = tuple[str, str]


@dataclass(frozen=True)
class _Patterns:
    country_code: str
    mobile: _Rule | None
    fixed_line: _Rule | None
    other: str | None
    national_prefix: str | None


def _anchored(description: object, fallback_lengths: tuple[int, ...] = ()) -> _Rule | None:
    pattern = getattr(description, "national_number_pattern", None)
    if not pattern:
        return None
    lengths = tuple(getattr(description, "possible_length", ()) or fallback_lengths)
    alternatives = "|".join(rf"\d{{{length}}}" for length in lengths if length > 0)
    length_rule = f"(?:{alternatives})" if alternatives else r"\d+"
    # Both the pattern and one of the possible lengths must match the whole number.
    return rf"^(?:{pattern})$", rf"^{length_rule}$"


@cache
def _patterns(region: str) -> _Patterns | None:
    metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
    if metadata is None:
        return None
    general = tuple(getattr(metadata.general_desc, "possible_length", ()) or ())
    others = [_anchored(getattr(metadata, name, None)) for name in _OTHER_TYPES]
    other = "|".join(f"(?:{pair[0][1:-1]})" for pair in others if pair)
    mobile, fixed = _anchored(metadata.mobile, general), _anchored(metadata.fixed_line, general)
    try:
        for pair in (mobile, fixed):
            if pair:
                pl.Series([""]).str.contains(pair[0])
        if other:
            pl.Series([""]).str.contains(other)
        if metadata.national_prefix_for_parsing:
            pl.Series([""]).str.contains(metadata.national_prefix_for_parsing)
    except pl.exceptions.PolarsError:
        return None  # a pattern the Rust engine cannot compile: every number takes the slow path
    return _Patterns(
        country_code=str(metadata.country_code),
        mobile=mobile,
        fixed_line=fixed,
        other=f"^(?:{other})$" if other else None,
        national_prefix=f"^(?:{metadata.national_prefix_for_parsing})"
        if metadata.national_prefix_for_parsing
        else None,
    )


def _matches(national: pl.Expr, pair: _Rule | None) -> pl.Expr:
    if not pair:
        return pl.lit(False)
    pattern, lengths = pair
    return national.str.contains(pattern) & national.str.contains(lengths)


def normalize_column(values: pl.Series, region: str) -> pl.DataFrame:
    """Return, for each distinct non-null value, its E.164 form (null when invalid) and a zone key.

    Columns: ``raw``, ``e164``, ``zone_key``, ``region`` (of the number). Numbers with the same zone key have the same
    candidate time zones, so :func:`zones_for_keys` asks phonenumbers once per key.
    """
    distinct = pl.DataFrame({"raw": values.drop_nulls().unique()}, schema={"raw": pl.String})
    fast = _fast_path(distinct, region)
    slow = fast.filter(pl.col("e164").is_null())
    if slow.height:
        fast = fast.update(_slow_path(slow["raw"], region), on="raw", how="left", include_nulls=False)
    return fast


def _fast_path(distinct: pl.DataFrame, region: str) -> pl.DataFrame:
    patterns = _patterns(region)
    if patterns is None:
        return distinct.with_columns(
            e164=pl.lit(None, pl.String), zone_key=pl.lit(None, pl.String), region=pl.lit(None, pl.String)
        )
    cleaned = pl.col("raw").str.replace_all(_SEPARATORS, "")
    plus_code = f"+{patterns.country_code}"
    national: pl.Expr = (
        pl.when(cleaned.str.starts_with(plus_code))
        .then(cleaned.str.slice(len(plus_code)))
        .when(cleaned.str.contains(r"^\d+$"))
        .then(cleaned)
    )
    if patterns.national_prefix:
        national = (
            pl.when(~cleaned.str.starts_with("+") & cleaned.str.contains(patterns.national_prefix))
            .then(None)
            .otherwise(national)
        )
    frame = distinct.with_columns(national=national).with_columns(
        mobile=_matches(pl.col("national"), patterns.mobile).fill_null(False),
        fixed=_matches(pl.col("national"), patterns.fixed_line).fill_null(False),
        other=(
            pl.col("national").str.contains(patterns.other) if patterns.other else pl.lit(False)
        ).fill_null(False),
    )
    valid = (
        (pl.col("mobile") | pl.col("fixed")) & ~pl.col("other") & pl.col("national").str.contains(r"^\d+$")
    )
    digits = pl.lit(patterns.country_code) + pl.col("national")
    return frame.select(
        "raw",
        e164=pl.when(valid).then(pl.lit("+") + digits),
        zone_key=pl.when(valid).then(
            pl.concat_str(
                [
                    _longest_zone_prefix(digits),
                    pl.col("mobile").cast(pl.String),
                    pl.col("fixed").cast(pl.String),
                ],
                separator="|",
            )
        ),
        region=pl.when(valid).then(pl.lit(region.upper())),
    )


def _longest_zone_prefix(digits: pl.Expr) -> pl.Expr:
    keys = pl.Series(list(TIMEZONE_DATA), dtype=pl.String)
    candidates = [
        pl.when(digits.str.slice(0, length).is_in(keys.implode()) & (digits.str.len_chars() >= length)).then(
            digits.str.slice(0, length)
        )
        for length in range(TIMEZONE_LONGEST_PREFIX, 0, -1)
    ]
    return pl.coalesce(*candidates).fill_null("")


def _slow_path(raw_values: pl.Series, region: str) -> pl.DataFrame:
    normalized: list[str | None] = []
    regions: list[str | None] = []
    for raw in raw_values.to_list():
        try:
            e164 = contact_values.normalize_phone(raw, region)
        except contact_values.InvalidPhoneNumber:
            normalized.append(None)
            regions.append(None)
            continue
        normalized.append(e164)
        regions.append(phonenumbers.region_code_for_number(phonenumbers.parse(e164)) or "")
    return pl.DataFrame(
        {"raw": raw_values, "e164": normalized, "zone_key": normalized, "region": regions},
        schema={"raw": pl.String, "e164": pl.String, "zone_key": pl.String, "region": pl.String},
    )


def zones_for_keys(numbers: pl.DataFrame) -> pl.DataFrame:
    """Return ``zone_key`` → ``time_zones`` (JSON list text), asking phonenumbers once per key."""
    representatives = (
        numbers.filter(pl.col("e164").is_not_null()).group_by("zone_key").agg(pl.col("e164").first())
    )
    zones_json = [_json_list(zones.zones_for_phone(e164)) for e164 in representatives["e164"].to_list()]
    return pl.DataFrame(
        {"zone_key": representatives["zone_key"], "time_zones": zones_json},
        schema={"zone_key": pl.String, "time_zones": pl.String},
    )


def zones_for_regions(regions: pl.Series) -> pl.DataFrame:
    """Return ``region`` → ``time_zones`` (JSON list text) for each distinct region."""
    distinct = regions.drop_nulls().unique().to_list()
    return pl.DataFrame(
        {"region": distinct, "time_zones": [_json_list(zones.zones_for_region(code)) for code in distinct]},
        schema={"region": pl.String, "time_zones": pl.String},
    )


def _json_list(values: list[str]) -> str:
    return "[" + ", ".join(f'"{value}"' for value in values) + "]"
