"""Visit rules beyond the packs (places, pairs, identification) and route order."""

from __future__ import annotations

from datetime import UTC, datetime

from arrears.recovery.routes import Stop, order_route
from arrears.recovery.visit_eligibility import VisitBlock, VisitRules, check_arrival, check_plan

STRICT = VisitRules(forbidden_places=frozenset({"workplace", "school", "hospital"}), two_person_rule=True,
                    identification_required=True)  # fmt: skip


class TestVisitRules:
    def test_a_school_may_not_be_visited(self):
        assert check_plan(STRICT, place_kind="school") == [VisitBlock.FORBIDDEN_PLACE]

    def test_arrival_alone_without_identification_names_both_rules(self):
        blocks = check_arrival(
            STRICT, place_kind="home", agent_id=1, companion_ids=[], identification_shown=False
        )

        assert blocks == [VisitBlock.NEEDS_SECOND_AGENT, VisitBlock.NO_IDENTIFICATION]

    def test_the_agent_cannot_be_their_own_companion(self):
        blocks = check_arrival(
            STRICT, place_kind="home", agent_id=1, companion_ids=[1], identification_shown=True
        )

        assert blocks == [VisitBlock.SAME_AGENT_TWICE]

    def test_a_pair_with_identification_at_home_may_check_in(self):
        assert (
            check_arrival(STRICT, place_kind="home", agent_id=1, companion_ids=[2], identification_shown=True)
            == []
        )

    def test_a_portfolio_without_the_rules_lets_one_agent_visit(self):
        lax = VisitRules(forbidden_places=frozenset(), two_person_rule=False, identification_required=False)

        assert (
            check_arrival(
                lax, place_kind="workplace", agent_id=1, companion_ids=[], identification_shown=False
            )
            == []
        )


class TestOrderRoute:
    def test_groups_by_area_in_order_of_each_areas_first_visit(self):
        def at(hour: int) -> datetime:
            return datetime(2026, 3, 31, hour, tzinfo=UTC)

        stops = [
            Stop(1, "Pudong", at(3)),
            Stop(2, "Xuhui", at(1)),
            Stop(3, "pudong ", at(2)),
            Stop(4, "Xuhui", at(4)),
        ]

        assert order_route(stops) == [2, 4, 3, 1]
