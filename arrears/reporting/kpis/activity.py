"""The team's work: promises, right-party contacts, contacts per account, cost per unit collected,
collector performance and compliance refusals."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from arrears.casework.models import ContactResult
from arrears.people.models import User
from arrears.reporting.filters import ReportFilter
from arrears.reporting.kpis.common import ZERO, latest_day, sums, total
from arrears.reporting.models import ChannelCost, Fact, Metric
from arrears.reporting.tables import Chart, Column, Drill, Table, rate

# Results that mean the debtor was reached in person (the others are attempts or third parties).
RIGHT_PARTY_RESULTS = (
    ContactResult.RIGHT_PARTY, ContactResult.REFUSED, ContactResult.DISPUTE, ContactResult.HARDSHIP,
    ContactResult.PROMISE, ContactResult.PAID, ContactResult.CALLBACK,
)  # fmt: skip
RIGHT_PARTY_KEY = "right_party_results"
CALL = "call"
# What one contact costs when a portfolio has no channel cost of its own (the currency's units).
DEFAULT_COSTS = {CALL: Decimal("2.00"), "sms": Decimal("0.05"), "email": Decimal("0.01"), "app": Decimal("0.00"),
                 "letter": Decimal("1.50")}  # fmt: skip


def _period(
    report: ReportFilter, metric: str, *, by_case: bool = True, by_collector: bool = False
) -> QuerySet[Fact]:
    facts = report.facts(metric, by_case=by_case, by_collector=by_collector)
    return facts.filter(day__range=(report.since, report.until))


def _drill(report: ReportFilter, metric: str, key: str = "", *, collector: int | None = None) -> Drill:
    return Drill(metric, report.since, report.until, key, collector=collector)


def contact_rates(report: ReportFilter) -> Table:
    """Return attempts, right-party contacts, promises made and kept, and their rates over the period.

    Promise rate is promises made per right-party contact; promise-kept rate is kept over kept and
    broken (promises resolved in the period); contacts per account is attempts and messages sent over
    the open accounts of the latest snapshot.
    """
    attempts = total(_period(report, Metric.ACTIVITY))[0]
    right_party = total(_period(report, Metric.ACTIVITY).filter(key__in=RIGHT_PARTY_RESULTS))[0]
    made_count, made_amount = total(_period(report, Metric.PROMISE_MADE))
    kept_count, kept_amount = total(_period(report, Metric.PROMISE_KEPT))
    broken_count, _broken_amount = total(_period(report, Metric.PROMISE_BROKEN))
    messages = total(_period(report, Metric.MESSAGE))[0]
    aging = report.facts(Metric.AGING)
    day = latest_day(aging, report.until)
    accounts = total(aging.filter(day=day))[0] if day else 0
    table = Table(
        "contact_rates",
        _("Contacts and promises"),
        [
            Column("measure", _("Measure")),
            Column("value", _("Value")),
            Column("amount", _("Amount"), "money"),
        ],
    )
    rows = [
        (_("Contact attempts (calls and visits logged)"), attempts, None, _drill(report, Metric.ACTIVITY)),
        (_("Right-party contacts"), right_party, None, _drill(report, Metric.ACTIVITY, RIGHT_PARTY_KEY)),
        (_("Right-party contact rate"), rate(right_party, attempts), None, None),
        (_("Messages sent"), messages, None, _drill(report, Metric.MESSAGE)),
        (_("Contacts per account"), rate(attempts + messages, accounts), None, None),
        (_("Promises made"), made_count, made_amount, _drill(report, Metric.PROMISE_MADE)),
        (_("Promise rate"), rate(made_count, right_party), None, None),
        (_("Promises kept"), kept_count, kept_amount, _drill(report, Metric.PROMISE_KEPT)),
        (_("Promises broken"), broken_count, None, _drill(report, Metric.PROMISE_BROKEN)),
        (_("Promise-kept rate"), rate(kept_count, kept_count + broken_count), None, None),
    ]
    for measure, value, amount, drill in rows:
        table.add({"measure": measure, "value": value, "amount": amount},
                  {"value": drill, **({"amount": drill} if amount is not None else {})} if drill else {})  # fmt: skip
    return table


def channel_costs(portfolio_ids: tuple[int, ...]) -> dict[tuple[int, str], Decimal]:
    """Return the cost of one contact per (portfolio, channel): the portfolio's own, else the default."""
    costs = {(pk, channel): cost for pk in portfolio_ids for channel, cost in DEFAULT_COSTS.items()}
    for portfolio_id, channel, cost in ChannelCost.objects.filter(portfolio_id__in=portfolio_ids).values_list(
        "portfolio_id", "channel", "cost"
    ):
        costs[(portfolio_id, channel)] = cost
    return costs


def cost_per_collected(report: ReportFilter) -> Table:
    """Return per channel the contacts and what they cost, and the cost per unit of money collected."""
    table = Table(
        "costs", _("Cost per unit collected"),
        [Column("channel", _("Channel")), Column("count", _("Contacts"), "count"), Column("cost", _("Cost"), "money")],
        chart=Chart("pie", "channel", ("cost",)),
    )  # fmt: skip
    costs = channel_costs(report.portfolio_ids)
    counts: dict[str, int] = {}
    spent: dict[str, Decimal] = {}
    calls = sums(_period(report, Metric.ACTIVITY), "portfolio_id")
    messages = sums(_period(report, Metric.MESSAGE), "portfolio_id", "key")
    items = [((pk, CALL), value) for pk, value in calls.items()] + list(messages.items())
    for (portfolio_id, channel), (count, _amount) in items:
        counts[channel] = counts.get(channel, 0) + count
        spent[channel] = spent.get(channel, ZERO) + costs.get((portfolio_id, channel), ZERO) * count
    for channel in sorted(counts):
        metric = Metric.ACTIVITY if channel == CALL else Metric.MESSAGE
        drill = _drill(report, metric, "" if channel == CALL else channel)
        table.add({"channel": channel, "count": counts[channel], "cost": spent[channel].quantize(Decimal("0.01"))},
                  {"count": drill})  # fmt: skip
    money_in = total(_period(report, Metric.COLLECTED))[1]
    all_cost = sum(spent.values(), ZERO).quantize(Decimal("0.01"))
    table.note = _("Total cost %(cost)s for %(collected)s collected: %(ratio)s per unit collected.") % {
        "cost": all_cost,
        "collected": money_in,
        "ratio": rate(all_cost, money_in) if money_in else "—",
    }
    return table


def collectors(report: ReportFilter) -> Table:
    """Return per collector the cases worked (case-days), contacts logged, promises made and kept, and money collected."""
    table = Table(
        "collectors", _("Collector performance"),
        [Column("collector", _("Collector")), Column("cases", _("Cases worked (case-days)"), "count"),
         Column("contacts", _("Contacts"), "count"), Column("promises", _("Promises made"), "count"),
         Column("kept", _("Promises kept"), "count"), Column("collected", _("Collected"), "money")],
        chart=Chart("bar", "collector", ("collected",)),
    )  # fmt: skip
    measures = {
        "cases": (Metric.CASE_WORKED, 0), "contacts": (Metric.ACTIVITY, 0), "promises": (Metric.PROMISE_MADE, 0),
        "kept": (Metric.PROMISE_KEPT, 0), "collected": (Metric.COLLECTED, 1),
    }  # fmt: skip
    values = {
        name: sums(_period(report, metric, by_collector=True), "collector_id")
        for name, (metric, _index) in measures.items()
    }
    ids = sorted({pk for per in values.values() for pk in per if pk})
    names = {user.pk: user.get_full_name() or user.get_username() for user in User.objects.filter(pk__in=ids)}
    for pk in ids:
        row: dict[str, object] = {"collector": names.get(pk, str(pk))}
        drills = {}
        for name, (metric, index) in measures.items():
            row[name] = values[name].get(pk, (0, ZERO))[index]
            drills[name] = _drill(report, metric, collector=pk)
        table.add(row, drills)
    return table


def refusals(report: ReportFilter) -> Table:
    """Return the contacts refused or flagged by compliance in the period, by the rule that refused them.

    Refusals are counted per portfolio: the product and team filters do not apply to them.
    """
    table = Table(
        "refusals", _("Compliance refusals by rule"),
        [Column("rule", _("Rule")), Column("count", _("Refusals"), "count")],
        chart=Chart("bar", "rule", ("count",)),
    )  # fmt: skip
    by_rule = sums(_period(report, Metric.REFUSAL, by_case=False), "key")
    for rule, (count, _amount) in sorted(by_rule.items(), key=lambda item: -item[1][0]):
        table.add({"rule": rule, "count": count}, {"count": _drill(report, Metric.REFUSAL, rule)})
    return table
