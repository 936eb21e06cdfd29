"""Models of the reporting app: pre-aggregated facts, month-end positions and channel costs.

The dashboards read ``Fact`` rows only (thousands, not millions); ``Position`` keeps each open
debt's bucket at a snapshot date so roll rates and drill-downs have their rows.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from arrears.portfolio.models import Portfolio


class Metric(models.TextChoices):
    COLLECTED = "collected", _("Collected")
    PLACED = "placed", _("Placed")
    FIRST_PAYMENT = "first_payment", _("First payment")
    ACTIVITY = "activity", _("Contact attempts")
    CASE_WORKED = "case_worked", _("Cases worked")
    MESSAGE = "message", _("Messages sent")
    PROMISE_MADE = "promise_made", _("Promises made")
    PROMISE_KEPT = "promise_kept", _("Promises kept")
    PROMISE_BROKEN = "promise_broken", _("Promises broken")
    REFUSAL = "refusal", _("Compliance refusals")
    STAGE_ENTERED = "stage_entered", _("Entered stage")
    AGING = "aging", _("Aging")
    STAGE = "stage", _("In stage")
    ROLL = "roll", _("Roll")


class Fact(models.Model):
    """One pre-aggregated number: a metric's count and amount on a day for one combination of dimensions.

    ``key`` refines the metric (the bucket, stage, channel, refusal code, vintage month, or
    ``from>to`` for a roll). ``team_id``, ``collector_id`` and ``arm`` are 0/empty when unknown.
    Facts ``by_collector`` have a collector and no arm nor key; the others have no collector.
    """

    day = models.DateField(_("day"))
    portfolio = models.ForeignKey(
        Portfolio, verbose_name=_("portfolio"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    key = models.CharField(_("key"), max_length=120, blank=True)
    product = models.CharField(_("product"), max_length=20, blank=True)
    team_id = models.BigIntegerField(_("team"), default=0)
    collector_id = models.BigIntegerField(_("collector"), default=0)
    arm = models.CharField(_("arm"), max_length=50, blank=True)
    by_collector = models.BooleanField(_("by collector"), default=False)
    count = models.BigIntegerField(_("count"))
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("reporting fact")
        verbose_name_plural = _("reporting facts")
        indexes = [models.Index(fields=["portfolio", "metric", "day"], name="fact_portfolio_metric_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.metric} {self.key}"


class Position(models.Model):
    """One open debt's bucket, balance and stage on a snapshot date (month ends and the latest day)."""

    as_of = models.DateField(_("as of"))
    debt_id = models.BigIntegerField(_("debt"))
    case_id = models.BigIntegerField(_("case"), null=True)
    portfolio_id = models.BigIntegerField(_("portfolio"))
    product = models.CharField(_("product"), max_length=20)
    team_id = models.BigIntegerField(_("team"), default=0)
    arm = models.CharField(_("arm"), max_length=50, blank=True)
    stage = models.CharField(_("stage"), max_length=50, blank=True)
    days_past_due = models.IntegerField(_("days past due"))
    bucket = models.CharField(_("bucket"), max_length=10)
    balance = models.DecimalField(_("balance"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        constraints = [models.UniqueConstraint(fields=["as_of", "debt_id"], name="position_once_a_date")]
        indexes = [models.Index(fields=["portfolio_id", "as_of", "bucket"], name="position_bucket_idx")]

    def __str__(self) -> str:
        return f"{self.as_of} {self.debt_id} {self.bucket}"


class ChannelCost(models.Model):
    """What one contact on a channel costs a portfolio, for the cost per unit collected."""

    portfolio = models.ForeignKey(
        Portfolio, verbose_name=_("portfolio"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    channel = models.CharField(_("channel"), max_length=10)
    cost = models.DecimalField(_("cost per contact"), max_digits=18, decimal_places=4)

    class Meta:
        verbose_name = _("channel cost")
        verbose_name_plural = _("channel costs")
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "channel"], name="channel_cost_once"),
            models.CheckConstraint(condition=Q(cost__gte=0), name="channel_cost_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.cost}"


class SummaryRun(models.Model):
    """The daily summary e-mail of one day, once sent: the worker's job does each day once."""

    day = models.DateField(_("day"), unique=True)
    sent_at = models.DateTimeField(_("sent at"))
    recipients = models.PositiveIntegerField(_("recipients"))

    class Meta:
        verbose_name = _("daily summary")
        verbose_name_plural = _("daily summaries")

    def __str__(self) -> str:
        return str(self.day)
