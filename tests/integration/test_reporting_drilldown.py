"""Drill-down: the rows behind every number of every KPI add up to that number."""

from datetime import date
from decimal import Decimal

import pytest

from arrears.reporting import drilldown
from arrears.reporting.filters import ReportFilter
from arrears.reporting.kpis import KPIS
from arrears.reporting.models import Metric
from arrears.reporting.tables import Drill
from tests.factories.reporting import FEBRUARY, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def cells(report):
    for name, kpi in KPIS.items():
        table = kpi(report)
        for row, drills in zip(table.rows, table.drills, strict=True):
            for column, drill in drills.items():
                yield name, column, row[column], drill


class TestDrillDownTotals:
    @pytest.mark.parametrize("team", [None, "north"])
    def test_every_number_equals_the_total_of_its_rows(self, world, team):
        report = ReportFilter(
            portfolio_ids=(world.portfolio.pk,),
            since=FEBRUARY[0],
            until=FEBRUARY[1],
            team_id=world.team.pk if team else None,
        )
        checked = 0

        for name, column, value, drill in cells(report):
            result = drilldown.drill_down(drill=drill, report=report)
            total = result.amount if isinstance(value, Decimal) else result.count
            assert total == value, f"{name}.{column} {drill}"
            checked += 1

        assert checked > 40

    def test_lists_the_cases_behind_the_collected_amount(self, world):
        report = ReportFilter(portfolio_ids=(world.portfolio.pk,), since=FEBRUARY[0], until=FEBRUARY[1])

        result = drilldown.drill_down(drill=Drill(Metric.COLLECTED, *FEBRUARY), report=report)

        assert (result.count, result.amount) == (3, Decimal("1750.75"))
        assert [(row["reference"], row["day"], row["amount"]) for row in result.rows] == [
            ("REP-A", date(2026, 2, 3), Decimal("1000.00")),
            ("REP-B", date(2026, 2, 3), Decimal("500.50")),
            ("REP-B", date(2026, 2, 20), Decimal("250.25")),
        ]
        assert {row["case"] for row in result.rows} == {world.cases["A"].pk, world.cases["B"].pk}

    def test_a_roll_to_closed_lists_the_debt_that_left(self, world):
        report = ReportFilter(portfolio_ids=(world.portfolio.pk,), since=FEBRUARY[0], until=FEBRUARY[1])

        result = drilldown.drill_down(
            drill=Drill(Metric.ROLL, FEBRUARY[1], FEBRUARY[1], "1-30>closed"), report=report
        )

        assert [row["case"] for row in result.rows] == [world.cases["A"].pk]

    def test_another_portfolio_sees_nothing(self, world):
        report = ReportFilter(portfolio_ids=(world.portfolio.pk + 1,), since=FEBRUARY[0], until=FEBRUARY[1])

        result = drilldown.drill_down(drill=Drill(Metric.COLLECTED, *FEBRUARY), report=report)

        assert (result.count, result.amount, result.rows) == (0, Decimal("0.00"), [])
