"""The visit rules a portfolio sets beyond the compliance packs. Pure: rules and facts in, blocks out.

The packs decide when a visit may happen (the debtor's local hours, holds, opt-outs) through
`compliance.decisions.check_contact`; these rules decide where and how: kinds of place that are off
limits (workplace, school, hospital by default), two agents on every visit, and identification
shown at the door. They are data per portfolio (`RecoverySettings`), not code.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum


class VisitBlock(StrEnum):
    FORBIDDEN_PLACE = "forbidden_place"
    NEEDS_SECOND_AGENT = "needs_second_agent"
    SAME_AGENT_TWICE = "same_agent_twice"
    NO_IDENTIFICATION = "no_identification"


@dataclass(frozen=True)
class VisitRules:
    forbidden_places: frozenset[str]
    two_person_rule: bool
    identification_required: bool


def check_plan(rules: VisitRules, *, place_kind: str) -> list[VisitBlock]:
    """Return what blocks planning a visit to a place of ``place_kind``."""
    return [VisitBlock.FORBIDDEN_PLACE] if place_kind in rules.forbidden_places else []


def check_arrival(
    rules: VisitRules,
    *,
    place_kind: str,
    agent_id: int,
    companion_ids: Collection[int],
    identification_shown: bool,
) -> list[VisitBlock]:
    """Return what blocks checking in: the place, a missing second agent, identification not shown."""
    blocks = check_plan(rules, place_kind=place_kind)
    others = set(companion_ids) - {agent_id}
    if rules.two_person_rule and not others:
        blocks.append(VisitBlock.SAME_AGENT_TWICE if companion_ids else VisitBlock.NEEDS_SECOND_AGENT)
    if rules.identification_required and not identification_shown:
        blocks.append(VisitBlock.NO_IDENTIFICATION)
    return blocks
