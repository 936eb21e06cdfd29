"""Money in: collected by day, week and month; recovery rate by vintage; champion against challenger."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

from arrears.reporting.filters import ReportFilter
from arrears.reporting.kpis.common import ZERO, sums
from arrears.reporting.kpis.stats import difference_of_proportions
from arrears.reporting.models import Metric
from arrears.reporting.tables import Chart, Column, Drill, Table, rate
from arrears.strategy.models import CycleSettings

GRAINS = ("day", "week", "month")
EVER = date(2000, 1, 1)


def period_start(day: date, grain: str) -> date:
    """Return the first day of ``day``'s day, ISO week (Monday) or month."""
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def period_end(start: date, grain: str) -> date:
    """Return the last day of the period that starts on ``start``."""
    if grain == "week":
        return start + timedelta(days=6)
    if grain == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return start


def collected(report: ReportFilter, grain: str = "day") -> Table:
    """Return the payments received (not reversed) per day, week or month of the period."""
    table = Table(
        f"collected_{grain}", _("Collected by %(grain)s") % {"grain": _grain_label(grain)},
        [Column("period", _("Period")), Column("count", _("Payments"), "count"), Column("amount", _("Collected"), "money")],
        chart=Chart("bar", "period", ("amount",)),
    )  # fmt: skip
    by_day = sums(report.facts(Metric.COLLECTED).filter(day__range=(report.since, report.until)), "day")
    periods: dict[date, tuple[int, Decimal]] = {}
    for day, (count, amount) in by_day.items():
        before = periods.get(period_start(day, grain), (0, ZERO))
        periods[period_start(day, grain)] = (before[0] + count, before[1] + amount)
    for start in sorted(periods):
        drill = Drill(Metric.COLLECTED, max(start, report.since), min(period_end(start, grain), report.until))
        table.add(
            {"period": start, "count": periods[start][0], "amount": periods[start][1]},
            {"count": drill, "amount": drill},
        )
    return table


def _grain_label(grain: str) -> str:
    return {"day": _("day"), "week": _("week"), "month": _("month")}[grain]


def recovery_by_vintage(report: ReportFilter) -> Table:
    """Return per month of placement the principal placed, what those debts paid up to the period's end, and the ratio."""
    table = Table(
        "recovery", _("Recovery rate by vintage"),
        [Column("vintage", _("Placed in")), Column("placed_count", _("Accounts placed"), "count"),
         Column("placed", _("Principal placed"), "money"), Column("collected", _("Collected to date"), "money"),
         Column("rate", _("Recovery rate"), "rate")],
        chart=Chart("bar", "vintage", ("rate",)),
    )  # fmt: skip
    placed_days = sums(report.facts(Metric.PLACED).filter(day__lte=report.until), "day")
    placed: dict[str, tuple[int, Decimal]] = {}
    for day, (count, amount) in placed_days.items():
        before = placed.get(day.strftime("%Y-%m"), (0, ZERO))
        placed[day.strftime("%Y-%m")] = (before[0] + count, before[1] + amount)
    paid = sums(report.facts(Metric.COLLECTED).filter(day__lte=report.until), "key")
    for vintage in sorted(placed):
        count, amount = placed[vintage]
        money_in = paid.get(vintage, (0, ZERO))[1]
        table.add(
            {"vintage": vintage, "placed_count": count, "placed": amount, "collected": money_in, "rate": rate(money_in, amount)},
            {"placed": Drill(Metric.PLACED, *_month(vintage)), "placed_count": Drill(Metric.PLACED, *_month(vintage)),
             "collected": Drill(Metric.COLLECTED, EVER, report.until, vintage)},
        )  # fmt: skip
    return table


def _month(vintage: str) -> tuple[date, date]:
    start = date.fromisoformat(f"{vintage}-01")
    return start, period_end(start, "month")


def champion_arm(portfolio_ids: tuple[int, ...], accounts: dict[str, int]) -> str:
    """Return the champion among ``accounts``' arms: the strategy the portfolios run, else the largest arm.

    A challenger's arm is labelled with its own strategy's name and the champion's with the
    portfolio's strategy (``CycleSettings.strategy``).
    """
    running = set(
        CycleSettings.objects.filter(portfolio_id__in=portfolio_ids).values_list("strategy", flat=True)
    )
    candidates = [arm for arm in accounts if arm in running] or list(accounts)
    return max(sorted(candidates), key=lambda arm: accounts[arm], default="")


def arms(report: ReportFilter) -> Table:
    """Return per strategy arm the accounts placed, those that have paid, the money recovered, and the difference to the champion.

    The paying share is a proportion of accounts, so each challenger's difference to the champion
    has a 95 % confidence interval (Newcombe's hybrid score); the amount recovery rate is shown beside it.
    """
    table = Table(
        "arms", _("Champion against challenger"),
        [Column("arm", _("Arm")), Column("accounts", _("Accounts placed"), "count"),
         Column("paying", _("Accounts that paid"), "count"), Column("paying_rate", _("Paying rate"), "rate"),
         Column("placed", _("Principal placed"), "money"), Column("collected", _("Collected"), "money"),
         Column("recovery_rate", _("Recovery rate"), "rate"), Column("difference", _("Paying rate − champion"), "rate"),
         Column("low", _("Interval from (95 per cent)"), "rate"), Column("high", _("Interval to (95 per cent)"), "rate")],
        chart=Chart("bar", "arm", ("paying_rate", "recovery_rate")),
    )  # fmt: skip
    placed = sums(report.facts(Metric.PLACED).filter(day__lte=report.until), "arm")
    paying = sums(report.facts(Metric.FIRST_PAYMENT).filter(day__lte=report.until), "arm")
    money_in = sums(report.facts(Metric.COLLECTED).filter(day__lte=report.until), "arm")
    leader = champion_arm(
        report.portfolio_ids, {arm: count for arm, (count, _amount) in placed.items() if arm}
    )
    champion = placed.get(leader)
    champion_paying = paying.get(leader, (0, ZERO))[0]
    for arm in sorted(placed, key=lambda name: (name != leader, name)):
        accounts, principal = placed[arm]
        paid_accounts = paying.get(arm, (0, ZERO))[0]
        collected_amount = money_in.get(arm, (0, ZERO))[1]
        row = {
            "arm": arm or _("(none)"), "accounts": accounts, "paying": paid_accounts,
            "paying_rate": rate(paid_accounts, accounts), "placed": principal, "collected": collected_amount,
            "recovery_rate": rate(collected_amount, principal), "difference": None, "low": None, "high": None,
        }  # fmt: skip
        if champion and champion[0] and accounts and arm and arm != leader:
            diff = difference_of_proportions(paid_accounts, accounts, champion_paying, champion[0])
            row.update({key: Decimal(str(round(value, 4))) for key, value in
                        (("difference", diff.difference), ("low", diff.low), ("high", diff.high))})  # fmt: skip
        table.add(
            row,
            {"accounts": Drill(Metric.PLACED, EVER, report.until, arm=arm),
             "paying": Drill(Metric.FIRST_PAYMENT, EVER, report.until, arm=arm),
             "collected": Drill(Metric.COLLECTED, EVER, report.until, arm=arm)},
        )  # fmt: skip
    return table
