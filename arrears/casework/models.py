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
    debtor = models.ForeignKey(
        Debtor, verbose_name=_("debtor"), on_delete=models.CASCADE, related_name="cases"
    )
    portfolio = models.ForeignKey(
        Portfolio, verbose_name=_("portfolio"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    delinquency_reason = models.CharField(
        _("delinquency reason"),
        max_length=12,
        choices=DelinquencyReason.choices,
        default=DelinquencyReason.UNKNOWN,
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
    revision = models.PositiveIntegerField(
        _("revision"),
        default=0,
        help_text=_("Counts the changes made on the desk, so a stale page cannot act."),
    )
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

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="stage_events"
    )
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
        constraints = [
            models.UniqueConstraint(fields=["case", "business_date"], name="stage_event_once_a_day")
        ]

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
            models.CheckConstraint(
                condition=Q(outcome__in=ActionOutcome.values), name="case_action_outcome_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.business_date} {self.rule} {self.outcome}"


class WorkItemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class WorkItem(models.Model):
    """A call, visit or task in a work queue, prioritised by expected recovery and assigned by skill and capacity."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="work_items"
    )
    portfolio = models.ForeignKey(
        Portfolio, verbose_name=_("portfolio"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    queue = models.CharField(_("queue"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10)
    script = models.CharField(_("script"), max_length=50, blank=True)
    rule = models.CharField(_("rule"), max_length=200, blank=True)
    business_date = models.DateField(_("business date"))
    priority = models.DecimalField(
        _("expected recovery"), max_digits=18, decimal_places=2, default=Decimal("0")
    )
    needed_skills = models.JSONField(_("skills needed"), default=list, blank=True)
    stage = models.CharField(
        _("stage"), max_length=50, blank=True, help_text=_("The case's stage when the item was made.")
    )
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
            models.CheckConstraint(
                condition=Q(status__in=WorkItemStatus.values), name="work_item_status_valid"
            )
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
    status = models.CharField(
        _("status"), max_length=10, choices=PromiseStatus.choices, default=PromiseStatus.OPEN
    )
    resolved_on = models.DateField(_("kept or broken on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, default="desk")
    request_key = models.CharField(_("request key"), max_length=64, null=True, blank=True, unique=True)
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
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("made_on")), name="promise_due_after_made"
            ),
            models.CheckConstraint(condition=Q(status__in=PromiseStatus.values), name="promise_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} by {self.due_date}"


class ContactResult(models.TextChoices):
    """What a collector's contact came to (the desk's outcome codes)."""

    RIGHT_PARTY = "right_party", _("Right-party contact")
    THIRD_PARTY = "third_party", _("Third party reached")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    VOICEMAIL = "voicemail", _("Voicemail")
    REFUSED = "refused", _("Refused to pay")
    DISPUTE = "dispute", _("Disputes the debt")
    HARDSHIP = "hardship", _("Hardship claimed")
    PROMISE = "promise", _("Promise to pay")
    PAID = "paid", _("Says it is paid")
    CALLBACK = "callback", _("Callback requested")


class Activity(models.Model):
    """A collector's record of one contact on a case: the result, the note (linted) and any callback."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="activities"
    )
    contact_event_id = models.BigIntegerField(_("contact event"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=20, choices=ContactResult.choices)
    note = models.TextField(_("note"), blank=True)
    callback_at = models.DateTimeField(_("call back at"), null=True, blank=True)
    request_key = models.CharField(_("request key"), max_length=64, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["case", "created_at"], name="activity_case_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(result__in=ContactResult.values), name="activity_result_valid")
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d} {self.result}"


class HardshipCause(models.TextChoices):
    JOB_LOSS = "job_loss", _("Job loss or lower income")
    ILLNESS = "illness", _("Illness or injury")
    FAMILY = "family", _("Family event (divorce, death, birth)")
    BUSINESS = "business", _("Business downturn")
    LATE_RECEIVABLES = "late_receivables", _("Customers paying late")
    DISASTER = "disaster", _("Disaster or accident")
    OTHER = "other", _("Other")


class Willingness(models.TextChoices):
    WILLING = "willing", _("Willing to pay")
    RELUCTANT = "reluctant", _("Reluctant")


class Ability(models.TextChoices):
    ABLE = "able", _("Able to pay")
    PARTLY = "partly", _("Able to pay part")
    UNABLE = "unable", _("Unable to pay now")


class HardshipAssessment(models.Model):
    """A structured hardship interview (seed 中期 4): cause, duration, means, and the treatment it suggests."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="hardship_assessments"
    )
    cause = models.CharField(_("cause"), max_length=20, choices=HardshipCause.choices)
    since = models.DateField(_("since"))
    expected_months = models.PositiveSmallIntegerField(_("expected to last (months)"))
    currency = models.CharField(_("currency"), max_length=3)
    monthly_income = models.DecimalField(_("monthly income"), max_digits=18, decimal_places=2)
    monthly_expenses = models.DecimalField(_("monthly essential expenses"), max_digits=18, decimal_places=2)
    other_debt_payments = models.DecimalField(
        _("other monthly debt payments"), max_digits=18, decimal_places=2, default=Decimal("0")
    )
    assets = models.DecimalField(
        _("assets that could be realised"), max_digits=18, decimal_places=2, default=Decimal("0")
    )
    dependants = models.PositiveSmallIntegerField(_("dependants"), default=0)
    disposable_income = models.DecimalField(_("disposable income"), max_digits=18, decimal_places=2)
    affordable_monthly = models.DecimalField(_("affordable monthly amount"), max_digits=18, decimal_places=2)
    willingness = models.CharField(_("willingness"), max_length=10, choices=Willingness.choices)
    ability = models.CharField(_("ability"), max_length=10, choices=Ability.choices)
    suggested_treatment = models.CharField(_("suggested treatment"), max_length=30)
    notes = models.TextField(_("notes"), blank=True)
    request_key = models.CharField(_("request key"), max_length=64, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assessed by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("assessed at"))

    class Meta:
        verbose_name = _("hardship assessment")
        verbose_name_plural = _("hardship assessments")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    monthly_income__gte=0, monthly_expenses__gte=0, other_debt_payments__gte=0, assets__gte=0
                ),
                name="hardship_amounts_gte_0",
            ),
            models.CheckConstraint(condition=Q(cause__in=HardshipCause.values), name="hardship_cause_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.cause} {self.created_at:%Y-%m-%d}"


class ArrangementKind(models.TextChoices):
    INSTALMENTS = "instalments", _("Instalment plan")
    DEFERRAL = "deferral", _("Deferral to a new due date")
    SETTLEMENT = "settlement", _("Lump-sum settlement with discount")
    WAIVER = "waiver", _("Waiver of penalty or interest")


class ArrangementStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", _("Waiting for approval")
    ACTIVE = "active", _("Active")
    REJECTED = "rejected", _("Rejected")
    COMPLETED = "completed", _("Completed")
    BROKEN = "broken", _("Broken")
    CANCELLED = "cancelled", _("Cancelled")


class Arrangement(models.Model):
    """A repayment arrangement (还款安排, seed 中期 5): its terms, what it waives, and who approved it."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="arrangements"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ArrangementKind.choices)
    method = models.CharField(_("method"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ArrangementStatus.choices)
    currency = models.CharField(_("currency"), max_length=3)
    amount = models.DecimalField(_("amount arranged"), max_digits=18, decimal_places=2)
    annual_rate = models.DecimalField(
        _("annual rate (%)"), max_digits=7, decimal_places=4, default=Decimal("0")
    )
    months = models.PositiveSmallIntegerField(_("months"), default=0)
    first_due = models.DateField(_("first due date"), null=True, blank=True)
    total_payment = models.DecimalField(_("total to pay"), max_digits=18, decimal_places=2)
    total_interest = models.DecimalField(
        _("total interest"), max_digits=18, decimal_places=2, default=Decimal("0")
    )
    waived_penalty = models.DecimalField(
        _("penalty waived"), max_digits=18, decimal_places=2, default=Decimal("0")
    )
    waived_interest = models.DecimalField(
        _("interest waived"), max_digits=18, decimal_places=2, default=Decimal("0")
    )
    discount = models.DecimalField(
        _("settlement discount"), max_digits=18, decimal_places=2, default=Decimal("0")
    )
    reason = models.TextField(_("reason"), blank=True)
    request_key = models.CharField(_("request key"), max_length=64, null=True, blank=True, unique=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    proposed_at = models.DateTimeField(_("proposed at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)
    source = models.CharField(_("source"), max_length=20, default="desk")

    class Meta:
        verbose_name = _("arrangement")
        verbose_name_plural = _("arrangements")
        indexes = [models.Index(fields=["status", "proposed_at"], name="arrangement_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ArrangementKind.values), name="arrangement_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ArrangementStatus.values), name="arrangement_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    amount__gte=0,
                    total_payment__gte=0,
                    waived_penalty__gte=0,
                    waived_interest__gte=0,
                    discount__gte=0,
                ),
                name="arrangement_amounts_gte_0",
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=["pending_approval", "active"]),
                name="arrangement_one_open_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.total_payment} {self.currency}"


class ArrangementInstalment(models.Model):
    """One due date of an arrangement's schedule."""

    arrangement = models.ForeignKey(
        Arrangement, verbose_name=_("arrangement"), on_delete=models.CASCADE, related_name="instalments"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("due date"))
    payment = models.DecimalField(_("payment"), max_digits=18, decimal_places=2)
    principal = models.DecimalField(_("principal"), max_digits=18, decimal_places=2)
    interest = models.DecimalField(_("interest"), max_digits=18, decimal_places=2)
    balance = models.DecimalField(_("balance after"), max_digits=18, decimal_places=2)
    missed_on = models.DateField(_("missed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("arrangement instalment")
        verbose_name_plural = _("arrangement instalments")
        constraints = [
            models.UniqueConstraint(fields=["arrangement", "number"], name="arrangement_instalment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.due_date} {self.payment}"


class DisputeReason(models.TextChoices):
    AMOUNT_WRONG = "amount_wrong", _("The amount is wrong")
    NOT_MY_DEBT = "not_my_debt", _("Not my debt")
    ALREADY_PAID = "already_paid", _("Already paid")
    IDENTITY_THEFT = "identity_theft", _("Identity theft or fraud")
    GOODS_OR_SERVICE = "goods_or_service", _("Goods or service not as agreed")
    OTHER = "other", _("Other")


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open — being verified")
    CORRECTED = "corrected", _("Upheld — ledger corrected")
    REJECTED = "rejected", _("Rejected — collection resumes")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Dispute(models.Model):
    """A dispute (异议) on a case: the case goes on hold and a verification task follows."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="disputes")
    reason = models.CharField(_("reason"), max_length=20, choices=DisputeReason.choices)
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    hold_id = models.BigIntegerField(_("hold"), null=True, blank=True)
    outcome_note = models.TextField(_("outcome"), blank=True)
    request_key = models.CharField(_("request key"), max_length=64, null=True, blank=True, unique=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    opened_at = models.DateTimeField(_("recorded at"))
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resolved by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, default="desk")

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        constraints = [
            models.CheckConstraint(condition=Q(reason__in=DisputeReason.values), name="dispute_reason_valid"),
            models.CheckConstraint(condition=Q(status__in=DisputeStatus.values), name="dispute_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.reason} {self.status}"


class DisputeDocument(models.Model):
    """A document the debtor or collector gave for a dispute, with its hash."""

    dispute = models.ForeignKey(
        Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="documents"
    )
    file = models.FileField(_("file"), upload_to="disputes/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("dispute document")
        verbose_name_plural = _("dispute documents")

    def __str__(self) -> str:
        return self.name


class Escalation(models.Model):
    """A case raised to a supervisor, or (for a company) to its decision-maker (seed 中期 2)."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="escalations"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("escalated to"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    decision_maker_id = models.BigIntegerField(_("decision-maker (contact person)"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    is_open = models.BooleanField(_("open"), default=True)
    request_key = models.CharField(_("request key"), max_length=64, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("escalated by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("escalated at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")

    def __str__(self) -> str:
        return f"{self.case_id} {self.created_at:%Y-%m-%d}"


class ScriptSituation(models.TextChoices):
    GENERAL = "general", _("Any situation")
    FORGOT = "forgot", _("Forgot to pay")
    OBJECTION = "objection", _("Objects to the debt")
    HARDSHIP = "hardship", _("Hardship")
    REFUSAL = "refusal", _("Refuses to pay")
    COMPANY = "company", _("Company: reach the decision-maker")


class Script(models.Model):
    """A guided script for a stage and situation, in one language, edited by managers."""

    stage = models.CharField(_("stage"), max_length=50, blank=True, help_text=_("Empty: every stage."))
    situation = models.CharField(_("situation"), max_length=12, choices=ScriptSituation.choices)
    language = models.CharField(_("language"), max_length=10)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("script"),
        help_text=_(
            "What to say, step by step; {{ consequences }} inserts this debt's consequences statement."
        ),
    )
    prompts = models.JSONField(_("listening prompts"), default=list, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("guided script")
        verbose_name_plural = _("guided scripts")
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "situation", "language"],
                condition=Q(is_active=True),
                name="script_one_active",
            ),
            models.CheckConstraint(
                condition=Q(situation__in=ScriptSituation.values), name="script_situation_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Notification(models.Model):
    """A message to one user inside the app (an approval decided, a case reassigned)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    case = models.ForeignKey(
        Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    text = models.CharField(_("text"), max_length=300)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_idx")]

    def __str__(self) -> str:
        return self.text
