"""Quality (质检): scorecard versions per portfolio, samples, reviews of contacts with their marks and evidence, coaching."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from arrears.casework.models import Activity, Case
from arrears.portfolio.models import Portfolio


class Scorecard(models.Model):
    """One version of a portfolio's scorecard: the spec (``scoring.spec_to_data``), validated when saved.

    A manager's edit saves a new version and makes it the active one; reviews keep the version they
    were scored on, so an old score never changes meaning.
    """

    portfolio = models.ForeignKey(
        Portfolio, verbose_name=_("portfolio"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    version = models.PositiveIntegerField(_("version"))
    spec = models.JSONField(_("scorecard"))
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("saved by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("saved at"))

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "version"], name="scorecard_version_once"),
            models.UniqueConstraint(
                fields=["portfolio"], condition=Q(is_active=True), name="scorecard_one_active_per_portfolio"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.portfolio_id} v{self.version}"


class SampleRun(models.Model):
    """The contacts of one portfolio and day drawn for review: random per collector plus risk-based."""

    portfolio = models.ForeignKey(
        Portfolio, verbose_name=_("portfolio"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    business_date = models.DateField(_("contacts of"))
    rate = models.DecimalField(_("random rate"), max_digits=5, decimal_places=4)
    seed = models.BigIntegerField(_("seed"))
    contacts = models.PositiveIntegerField(_("contacts"))
    drawn = models.PositiveIntegerField(_("drawn"))
    counts = models.JSONField(_("drawn by reason"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drawn by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("drawn at"))

    class Meta:
        verbose_name = _("sample run")
        verbose_name_plural = _("sample runs")
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "business_date"], name="sample_run_once_a_day"),
            models.CheckConstraint(condition=Q(rate__gte=0, rate__lte=1), name="sample_run_rate_0_1"),
        ]

    def __str__(self) -> str:
        return f"{self.portfolio_id} {self.business_date}"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("To review")
    COMPLETED = "completed", _("Reviewed")


class SampleReason(models.TextChoices):
    """Why a contact is in a reviewer's queue."""

    RANDOM = "random", _("Random sample")
    LINTER_REVIEW = "linter_review", _("Note flagged by the content linter")
    COMPLAINT = "complaint", _("Complaint on file")
    DISPUTE = "dispute", _("Dispute")
    LONG_CONTACT = "long_contact", _("Long contact")
    REPEATED_CONTACT = "repeated_contact", _("Repeated contacts")
    FOLLOW_UP = "follow_up", _("Coaching follow-up")
    MANUAL = "manual", _("Chosen by a reviewer")


class QualityReview(models.Model):
    """The review of one contact (a desk activity) against a scorecard version, with its pre-score."""

    activity = models.OneToOneField(
        Activity, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="quality_review"
    )
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="+")
    portfolio = models.ForeignKey(
        Portfolio, verbose_name=_("portfolio"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("collector"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="quality_reviews_received",
    )  # fmt: skip
    sample_run = models.ForeignKey(
        SampleRun, verbose_name=_("sample run"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="reviews",
    )  # fmt: skip
    reasons = models.JSONField(_("why sampled"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    scorecard = models.ForeignKey(
        Scorecard,
        verbose_name=_("scorecard"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    transcript = models.TextField(_("transcript"), blank=True)
    prescore = models.JSONField(_("pre-score"), default=dict)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2, null=True, blank=True)
    possible = models.DecimalField(
        _("possible points"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    percent = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    failed_critical = models.JSONField(_("failed critical items"), default=list)
    comment = models.TextField(_("reviewer's comment"), blank=True)
    contact_at = models.DateTimeField(_("contact at"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("sampled at"))

    class Meta:
        verbose_name = _("quality review")
        verbose_name_plural = _("quality reviews")
        indexes = [
            models.Index(fields=["portfolio", "status", "contact_at"], name="review_queue_idx"),
            models.Index(fields=["collector", "reviewed_at"], name="review_collector_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ReviewStatus.values), name="review_status_valid"),
            models.CheckConstraint(
                condition=Q(status=ReviewStatus.PENDING)
                | Q(
                    percent__isnull=False,
                    passed__isnull=False,
                    reviewed_at__isnull=False,
                    scorecard__isnull=False,
                ),
                name="review_completed_has_score",
            ),
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__gte=0, percent__lte=100),
                name="review_percent_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"review {self.pk} of activity {self.activity_id}"


class ReviewMark(models.Model):
    """A reviewer's mark on one scorecard item of a completed review (what the trends count)."""

    review = models.ForeignKey(
        QualityReview, verbose_name=_("review"), on_delete=models.CASCADE, related_name="marks"
    )
    item_key = models.CharField(_("item"), max_length=64)
    mark = models.CharField(_("mark"), max_length=4)
    critical = models.BooleanField(_("critical"), default=False)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("review mark")
        verbose_name_plural = _("review marks")
        constraints = [
            models.UniqueConstraint(fields=["review", "item_key"], name="review_mark_once"),
            models.CheckConstraint(condition=Q(mark__in=["pass", "fail", "na"]), name="review_mark_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.item_key}: {self.mark}"


class EvidenceKind(models.TextChoices):
    RECORDING = "recording", _("Call recording")
    TRANSCRIPT = "transcript", _("Transcript")


class Evidence(models.Model):
    """A recording or transcript uploaded for a review; served only through views that check the portfolio."""

    review = models.ForeignKey(
        QualityReview, verbose_name=_("review"), on_delete=models.CASCADE, related_name="evidence"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=EvidenceKind.choices)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    file = models.FileField(_("file"), upload_to="quality/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EvidenceKind.values), name="evidence_kind_valid")
        ]

    def __str__(self) -> str:
        return self.name


class CoachingStatus(models.TextChoices):
    OPEN = "open", _("To coach")
    FOLLOW_UP = "follow_up", _("Coached, follow-up under review")
    CLOSED = "closed", _("Closed")


class CoachingTask(models.Model):
    """Coaching a collector after a failed or low review: the items to work on, then a follow-up review."""

    review = models.OneToOneField(
        QualityReview, verbose_name=_("review"), on_delete=models.CASCADE, related_name="coaching_task"
    )
    portfolio = models.ForeignKey(
        Portfolio, verbose_name=_("portfolio"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("collector"),
        on_delete=models.PROTECT,
        related_name="coaching_tasks",
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("supervisor"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="coaching_tasks_to_give",
    )  # fmt: skip
    items = models.JSONField(_("items to work on"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=CoachingStatus.choices, default=CoachingStatus.OPEN
    )
    follow_up_contacts = models.PositiveSmallIntegerField(_("contacts to review after coaching"), default=3)
    coaching_note = models.TextField(_("coaching note"), blank=True)
    coached_at = models.DateTimeField(_("coached at"), null=True, blank=True)
    closing_note = models.TextField(_("closing note"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("opened at"))

    class Meta:
        verbose_name = _("coaching task")
        verbose_name_plural = _("coaching tasks")
        indexes = [models.Index(fields=["supervisor", "status"], name="coaching_supervisor_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CoachingStatus.values), name="coaching_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=CoachingStatus.FOLLOW_UP) | Q(coached_at__isnull=False),
                name="coaching_follow_up_after_coaching",
            ),
        ]

    def __str__(self) -> str:
        return f"coaching {self.pk} ({self.status})"
