"""Cases: where each debt stands in its treatment, what the cycle planned for it, promises and work items."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from arrears.portfolio.models import Debt, Debtor, Portfolio


class DelinquencyReason(models.TextChoices):
    UNKNOWN = "unknown", _("Not known yet")
    FORGOT = "forgot", _("Forgot to pay")
    CASH_FLOW = "cash_flow", _("Cash-flow trouble")
    DISPUTE = "dispute", _("Disputes the debt")
    WILFUL = "wilful", _("Wilful non-payment")


class Case(models.Model):
    """One debt under treatment: its segment, arm, stage (and why), goal, and the case facts strategies read."""

    debt = models.OneToOneField(Debt, verbose_name=_("debt"), on_delete=models.CASCADE, related_name="case")
    debtor = models.ForeignKey(Debtor, verbose_name=_("debtor"), on_delete=models.CASCADE, related_name="cases")
    portfolio = models.ForeignKey(
        Portfolio, verbose_name=_("portfolio"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    delinquency_reason = models.CharField(
        _("delinquency reason"), max_length=12, choices=DelinquencyReason.choices, default=DelinquencyReason.UNKNOWN
    )
    score = models.SmallIntegerField(_("propensity-to-pay score"), null=True, blank=True)
    is_key_customer = models.BooleanField(_("key customer"), default=False)
    strategy = models.CharField(_("strategy"), max_length=100, blank=True)
    arm = models.CharField(_("champion/challenger arm"), max_length=50, blank=True)
    segment = models.CharField(_("segment"), max_length=50, blank=True)
    stage = models.CharField(_("stage"), max_length=50, blank=True)
    stage_entered_on = models.DateField(_("in stage since"), null=True, blank=True)
    stage_rule = models.CharField(_("stage rule"), max_length=200, blank=True)
    stage_condition = models.TextField(_("stage condition"), blank=True)
    goal = models.CharField(_("goal"), max_length=20, blank=True)
    goal_deadline = models.DateField(_("goal deadline"), null=True, blank=True)
    penalty_accrued_through = models.DateField(_("penalty accrued through"), null=True, blank=True)
    last_cycle_date = models.DateField(_("last cycle"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned to"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [models.Index(fields=["portfolio", "stage"], name="case_portfolio_stage_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(delinquency_reason__in=DelinquencyReason.values), name="case_reason_valid"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=1000), name="case_score_0_1000"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.debt_id} {self.stage or '—'}"


class StageEvent(models.Model):
    """A case moved stage on a business date, with the rule and condition that moved it."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="stage_events")
    business_date = models.DateField(_("business date"))
    stage_from = models.CharField(_("from stage"), max_length=50, blank=True)
    stage_to = models.CharField(_("to stage"), max_length=50, blank=True)
    segment = models.CharField(_("segment"), max_length=50)
    rule = models.CharField(_("rule"), max_length=200)
    condition = models.TextField(_("condition"), blank=True)
    strategy = models.CharField(_("strategy"), max_length=100)
    cycle_run_id = models.BigIntegerField(_("cycle run"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("stage event")
        verbose_name_plural = _("stage events")
        constraints = [models.UniqueConstraint(fields=["case", "business_date"], name="stage_event_once_a_day")]

    def __str__(self) -> str:
        return f"{self.business_date} {self.stage_from or '—'} → {self.stage_to or '—'}"


class ActionOutcome(models.TextChoices):
    QUEUED = "queued", _("Message queued")
    WORK_ITEM = "work_item", _("Work item created")
    REFUSED = "refused", _("Refused by compliance")
    SKIPPED = "skipped", _("Skipped")


class CaseAction(models.Model):
    """What became of one action a strategy planned for a case on a business date — once per (case, date, rule)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="actions")
    business_date = models.DateField(_("business date"))
    rule = models.CharField(_("rule"), max_length=200)
    channel = models.CharField(_("channel"), max_length=10)
    template = models.CharField(_("template"), max_length=50, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=ActionOutcome.choices)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    message_id = models.BigIntegerField(_("message"), null=True, blank=True)
    send_at = models.DateTimeField(_("send from"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("planned action")
        verbose_name_plural = _("planned actions")
        constraints = [
            models.UniqueConstraint(fields=["case", "business_date", "rule"], name="case_action_once"),
            models.CheckConstraint(condition=Q(outcome__in=ActionOutcome.values), name="case_action_outcome_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.business_date} {self.rule} {self.outcome}"


class WorkItemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class WorkItem(models.Model):
    """A call, visit or task in a work queue, prioritised by expected recovery and assigned by skill and capacity."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="work_items")
    portfolio = models.ForeignKey(
        Portfolio, verbose_name=_("portfolio"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    queue = models.CharField(_("queue"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10)
    script = models.CharField(_("script"), max_length=50, blank=True)
    rule = models.CharField(_("rule"), max_length=200, blank=True)
    business_date = models.DateField(_("business date"))
    priority = models.DecimalField(_("expected recovery"), max_digits=18, decimal_places=2, default=Decimal("0"))
    status = models.CharField(
        _("status"), max_length=10, choices=WorkItemStatus.choices, default=WorkItemStatus.OPEN
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned to"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("created at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("work item")
        verbose_name_plural = _("work items")
        indexes = [
            models.Index(fields=["assigned_to", "status", "-priority"], name="work_item_queue_idx"),
            models.Index(fields=["portfolio", "queue", "status"], name="work_item_portfolio_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=WorkItemStatus.values), name="work_item_status_valid")
        ]

    def __str__(self) -> str:
        return f"{self.queue} {self.case_id} {self.status}"


class PromiseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Broken")
    CANCELLED = "cancelled", _("Cancelled")


class Promise(models.Model):
    """A promise to pay an amount by a date; kept or broken is decided by the cycle from the payments."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="promises")
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    made_on = models.DateField(_("made on"))
    due_date = models.DateField(_("promised by"))
    grace_days = models.PositiveSmallIntegerField(_("grace days"), default=0)
    tolerance = models.DecimalField(_("tolerance"), max_digits=18, decimal_places=2, default=Decimal("0"))
    status = models.CharField(_("status"), max_length=10, choices=PromiseStatus.choices, default=PromiseStatus.OPEN)
    resolved_on = models.DateField(_("kept or broken on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, default="desk")
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("taken by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        indexes = [models.Index(fields=["status", "due_date"], name="promise_status_due_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_gt_0"),
            models.CheckConstraint(condition=Q(tolerance__gte=0), name="promise_tolerance_gte_0"),
            models.CheckConstraint(condition=Q(due_date__gte=models.F("made_on")), name="promise_due_after_made"),
            models.CheckConstraint(condition=Q(status__in=PromiseStatus.values), name="promise_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} by {self.due_date}"
