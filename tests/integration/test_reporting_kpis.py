"""Each KPI against the hand-computed portfolio of ``tests/factories/reporting.py``."""

from datetime import date
from decimal import Decimal

import pytest

from arrears.reporting import facts
from arrears.reporting.filters import ReportFilter
from arrears.reporting.kpis import KPIS, activity, portfolio, recovery
from arrears.reporting.models import ChannelCost, Fact
from tests.factories.reporting import FEBRUARY, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def february(world, **choices):
    return ReportFilter(portfolio_ids=(world.portfolio.pk,), since=FEBRUARY[0], until=FEBRUARY[1], **choices)


def by(table, column):
    return {row[column]: row for row in table.rows}


class TestAging:
    def test_counts_and_balances_each_bucket_of_the_latest_snapshot(self, world):
        table = portfolio.aging(february(world))

        rows = by(table, "bucket")
        assert [(rows[b]["count"], rows[b]["amount"]) for b in ("current", "1-30", "61-90", "91-120")] == [
            (1, Decimal("1249.25")),
            (1, Decimal("5000.00")),
            (1, Decimal("3000.00")),
            (1, Decimal("4000.00")),
        ]
        assert rows["31-60"]["count"] == 0
        assert "2026-02-28" in table.note

    def test_shows_the_january_snapshot_for_a_january_period(self, world):
        table = portfolio.aging(february(world).with_period(date(2026, 1, 1), date(2026, 1, 31)))

        assert by(table, "bucket")["31-60"]["amount"] == Decimal("5000.00")


class TestRollRates:
    def test_moves_each_bucket_of_january_to_february_with_its_share(self, world):
        table = portfolio.roll_rates(february(world))

        cells = {
            (row["from_bucket"], row["to_bucket"]): (row["count"], row["amount"], row["share"])
            for row in table.rows
        }
        assert cells == {
            ("1-30", "closed"): (1, Decimal("1000.00"), Decimal("1.0000")),
            ("31-60", "current"): (1, Decimal("2000.00"), Decimal("0.5000")),
            ("31-60", "61-90"): (1, Decimal("3000.00"), Decimal("0.5000")),
            ("61-90", "91-120"): (1, Decimal("4000.00"), Decimal("1.0000")),
        }

    def test_cure_rate_is_the_past_due_accounts_now_current_or_closed(self, world):
        table = portfolio.cure_rate(february(world))

        assert table.rows == [
            {"month_end": date(2026, 2, 28), "past_due": 4, "cured": 2, "rate": Decimal("0.5000")}
        ]


class TestFunnel:
    def test_counts_the_accounts_in_each_stage(self, world):
        rows = by(portfolio.funnel(february(world)), "stage")

        assert (rows["early"]["count"], rows["early"]["amount"]) == (1, Decimal("1249.25"))
        assert (rows["late"]["count"], rows["late"]["amount"]) == (1, Decimal("4000.00"))
        assert rows["(no stage)"]["count"] == 1


class TestCollected:
    def test_by_day_week_and_month(self, world):
        report = february(world)

        daily = [
            (row["period"], row["count"], row["amount"]) for row in recovery.collected(report, "day").rows
        ]
        weekly = [(row["period"], row["amount"]) for row in recovery.collected(report, "week").rows]
        monthly = [(row["period"], row["amount"]) for row in recovery.collected(report, "month").rows]

        assert daily == [(date(2026, 2, 3), 2, Decimal("1500.50")), (date(2026, 2, 20), 1, Decimal("250.25"))]
        assert weekly == [(date(2026, 2, 2), Decimal("1500.50")), (date(2026, 2, 16), Decimal("250.25"))]
        assert monthly == [(date(2026, 2, 1), Decimal("1750.75"))]

    def test_a_reversed_payment_is_not_collected(self, world):
        from arrears.portfolio.models import Payment

        Payment.objects.filter(amount=Decimal("250.25")).update(reversed_at=facts.day_bounds(*FEBRUARY)[1])
        facts.refresh_facts(since=date(2026, 2, 20), until=date(2026, 2, 20))

        assert [row["amount"] for row in recovery.collected(february(world), "month").rows] == [
            Decimal("1500.50")
        ]


class TestRecoveryByVintage:
    def test_divides_what_each_vintage_paid_by_what_it_placed(self, world):
        rows = by(recovery.recovery_by_vintage(february(world)), "vintage")

        assert (rows["2026-01"]["placed_count"], rows["2026-01"]["placed"], rows["2026-01"]["collected"]) == (
            4,
            Decimal("10000.00"),
            Decimal("1750.75"),
        )
        assert rows["2026-01"]["rate"] == Decimal("0.1751")
        assert (rows["2026-02"]["placed"], rows["2026-02"]["collected"], rows["2026-02"]["rate"]) == (
            Decimal("5000.00"),
            Decimal("0.00"),
            Decimal("0.0000"),
        )


class TestArms:
    def test_compares_each_challenger_with_the_champion_with_an_interval(self, world):
        rows = by(recovery.arms(february(world)), "arm")

        champion, challenger = rows["champion"], rows["challenger"]
        assert (champion["accounts"], champion["paying"], champion["collected"]) == (3, 2, Decimal("1750.75"))
        assert champion["recovery_rate"] == Decimal("0.2188")
        assert (challenger["accounts"], challenger["paying"], challenger["paying_rate"]) == (
            2,
            0,
            Decimal("0.0000"),
        )
        assert challenger["difference"] == Decimal("-0.6667")
        assert challenger["low"] < challenger["difference"] < challenger["high"] <= 1
        assert champion["difference"] is None


class TestContactRates:
    def test_attempts_right_party_promises_and_their_rates(self, world):
        rows = {row["measure"]: row for row in activity.contact_rates(february(world)).rows}

        assert rows["Contact attempts (calls and visits logged)"]["value"] == 4
        assert rows["Right-party contacts"]["value"] == 2
        assert rows["Right-party contact rate"]["value"] == Decimal("0.5000")
        assert rows["Messages sent"]["value"] == 3
        assert rows["Contacts per account"]["value"] == Decimal("1.7500")
        assert (rows["Promises made"]["value"], rows["Promises made"]["amount"]) == (2, Decimal("800.50"))
        assert rows["Promise rate"]["value"] == Decimal("1.0000")
        assert (rows["Promises kept"]["value"], rows["Promises kept"]["amount"]) == (1, Decimal("500.50"))
        assert rows["Promise-kept rate"]["value"] == Decimal("0.5000")


class TestCosts:
    def test_prices_each_channel_with_the_portfolio_cost_or_the_default(self, world):
        ChannelCost.objects.create(portfolio=world.portfolio, channel="call", cost=Decimal("3.00"))

        table = activity.cost_per_collected(february(world))

        assert {row["channel"]: (row["count"], row["cost"]) for row in table.rows} == {
            "call": (4, Decimal("12.00")),
            "sms": (2, Decimal("0.10")),
            "email": (1, Decimal("0.01")),
        }
        assert table.note == "Total cost 12.11 for 1750.75 collected: 0.0069 per unit collected."


class TestCollectors:
    def test_each_collector_cases_contacts_promises_kept_and_collected(self, world):
        rows = {row["collector"]: row for row in activity.collectors(february(world)).rows}

        assert rows["Xia Li"] == {
            "collector": "Xia Li",
            "cases": 3,
            "contacts": 3,
            "promises": 1,
            "kept": 1,
            "collected": Decimal("1750.75"),
        }
        assert rows["y"] == {
            "collector": "y",
            "cases": 1,
            "contacts": 1,
            "promises": 1,
            "kept": 0,
            "collected": Decimal("0.00"),
        }

    def test_team_filter_keeps_the_team_cases_only(self, world):
        rows = {
            row["collector"]: row for row in activity.collectors(february(world, team_id=world.team.pk)).rows
        }

        assert rows["y"]["contacts"] == 1  # y called C, a case of x's team
        assert rows["Xia Li"]["collected"] == Decimal("1750.75")


class TestRefusals:
    def test_counts_each_rule_once_per_refusal(self, world):
        table = activity.refusals(february(world))

        assert [(row["rule"], row["count"]) for row in table.rows] == [("quiet_hours", 2), ("daily_cap", 1)]


class TestRefresh:
    def test_refreshing_twice_writes_the_same_facts(self, world):
        before = sorted(Fact.objects.values_list("day", "metric", "key", "count", "amount"))

        facts.refresh_facts(since=date(2026, 1, 1), until=date(2026, 3, 31))

        assert sorted(Fact.objects.values_list("day", "metric", "key", "count", "amount")) == before

    def test_every_kpi_runs_on_an_empty_period(self, world):
        report = february(world).with_period(date(2025, 1, 1), date(2025, 1, 31))

        assert all(KPIS[name](report).columns for name in KPIS)
