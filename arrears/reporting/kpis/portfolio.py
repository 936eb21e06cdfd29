"""The portfolio's shape: aging by bucket, roll rates month over month, cure rate and the stage funnel."""

from __future__ import annotations

from django.utils.translation import gettext as _

from arrears.portfolio.aging import BUCKETS
from arrears.reporting.filters import ReportFilter
from arrears.reporting.kpis.common import ZERO, latest_day, sums
from arrears.reporting.models import Metric
from arrears.reporting.positions import CLOSED
from arrears.reporting.tables import Chart, Column, Drill, Table, rate

BUCKET_ORDER = [label for label, _first, _last in BUCKETS]


def aging(report: ReportFilter) -> Table:
    """Return the open debts' count and balance by bucket on the latest snapshot in the period."""
    table = Table(
        "aging", _("Aging by bucket"),
        [Column("bucket", _("Bucket")), Column("count", _("Accounts"), "count"), Column("amount", _("Balance"), "money")],
        chart=Chart("bar", "bucket", ("amount",)),
    )  # fmt: skip
    facts = report.facts(Metric.AGING)
    day = latest_day(facts, report.until)
    if day is None:
        table.note = _("No snapshot on or before %(date)s.") % {"date": report.until}
        return table
    table.note = _("Snapshot of %(date)s.") % {"date": day}
    by_bucket = sums(facts.filter(day=day), "key")
    for bucket in BUCKET_ORDER:
        count, amount = by_bucket.get(bucket, (0, ZERO))
        drill = Drill(Metric.AGING, day, day, bucket)
        table.add({"bucket": bucket, "count": count, "amount": amount}, {"count": drill, "amount": drill})
    return table


def roll_rates(report: ReportFilter) -> Table:
    """Return, for each month end in the period, how the previous month end's buckets moved (count, balance, share)."""
    table = Table(
        "roll_rates", _("Roll rates"),
        [Column("month_end", _("Month end")), Column("from_bucket", _("From")), Column("to_bucket", _("To")),
         Column("count", _("Accounts"), "count"), Column("amount", _("Balance then"), "money"),
         Column("share", _("Share of the from bucket"), "rate")],
    )  # fmt: skip
    cells = sums(report.facts(Metric.ROLL).filter(day__range=(report.since, report.until)), "day", "key")
    from_totals: dict[tuple[object, str], int] = {}
    for (day, key), (count, _amount) in cells.items():
        source = key.split(">")[0]
        from_totals[(day, source)] = from_totals.get((day, source), 0) + count
    order = {label: index for index, label in enumerate([*BUCKET_ORDER, CLOSED])}
    for (day, key), (count, amount) in sorted(
        cells.items(), key=lambda item: (item[0][0], *_rank(item[0][1], order))
    ):
        source, target = key.split(">")
        drill = Drill(Metric.ROLL, day, day, key)
        table.add(
            {"month_end": day, "from_bucket": source, "to_bucket": target, "count": count, "amount": amount,
             "share": rate(count, from_totals[(day, source)])},
            {"count": drill, "amount": drill},
        )  # fmt: skip
    return table


def _rank(key: str, order: dict[str, int]) -> tuple[int, int]:
    source, target = key.split(">")
    return order.get(source, 99), order.get(target, 99)


def cure_rate(report: ReportFilter) -> Table:
    """Return, per month end, the accounts past due a month earlier and how many are now current or closed."""
    table = Table(
        "cure_rate", _("Cure rate"),
        [Column("month_end", _("Month end")), Column("past_due", _("Past due a month earlier"), "count"),
         Column("cured", _("Now current or closed"), "count"), Column("rate", _("Cure rate"), "rate")],
        chart=Chart("line", "month_end", ("rate",)),
    )  # fmt: skip
    cells = sums(report.facts(Metric.ROLL).filter(day__range=(report.since, report.until)), "day", "key")
    days = sorted({day for day, _key in cells})
    for day in days:
        past_due = cured = 0
        for (cell_day, key), (count, _amount) in cells.items():
            source, target = key.split(">")
            if cell_day != day or source == "current":
                continue
            past_due += count
            cured += count if target in ("current", CLOSED) else 0
        table.add({"month_end": day, "past_due": past_due, "cured": cured, "rate": rate(cured, past_due)})
    return table


def funnel(report: ReportFilter) -> Table:
    """Return the cases in each stage on the latest snapshot, and how many entered it during the period."""
    table = Table(
        "funnel", _("Stage funnel"),
        [Column("stage", _("Stage")), Column("count", _("Accounts in stage"), "count"),
         Column("amount", _("Balance"), "money"), Column("entered", _("Entered in the period"), "count")],
        chart=Chart("funnel", "stage", ("count",)),
    )  # fmt: skip
    facts = report.facts(Metric.STAGE)
    day = latest_day(facts, report.until)
    in_stage = sums(facts.filter(day=day), "key") if day else {}
    entered = sums(report.facts(Metric.STAGE_ENTERED).filter(day__range=(report.since, report.until)), "key")
    for stage in sorted(set(in_stage) | set(entered), key=lambda name: -in_stage.get(name, (0, ZERO))[0]):
        count, amount = in_stage.get(stage, (0, ZERO))
        drills = {"entered": Drill(Metric.STAGE_ENTERED, report.since, report.until, stage)}
        if day is not None:
            drills["count"] = drills["amount"] = Drill(Metric.STAGE, day, day, stage)
        table.add(
            {
                "stage": stage or _("(no stage)"),
                "count": count,
                "amount": amount,
                "entered": entered.get(stage, (0, ZERO))[0],
            },
            drills,
        )
    return table
