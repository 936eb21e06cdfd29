"""Training: stored course, scenario and quiz files (versioned), practice sessions, quiz attempts,
certifications and each portfolio's rule on certification."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from arrears.portfolio.models import Portfolio


class MaterialKind(models.TextChoices):
    COURSE = "course", _("Course")
    SCENARIO = "scenario", _("Practice scenario")
    QUIZ = "quiz", _("Quiz")


class Material(models.Model):
    """One version of a course, scenario or quiz file; the newest saved version of each is active."""

    kind = models.CharField(_("kind"), max_length=10, choices=MaterialKind.choices)
    slug = models.SlugField(_("name"), max_length=50)
    version = models.PositiveIntegerField(_("version"))
    source = models.TextField(_("file (YAML)"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("training material")
        verbose_name_plural = _("training materials")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "slug", "version"], name="training_material_version_unique"
            ),
            models.UniqueConstraint(
                fields=["kind", "slug"], condition=Q(is_active=True), name="training_material_one_active"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=MaterialKind.values), name="training_material_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.slug}@{self.version}"


class SessionStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    FINISHED = "finished", _("Finished")


class PracticeSession(models.Model):
    """A trainee's walk through one version of a scenario, in one language."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("trainee"), on_delete=models.PROTECT, related_name="+"
    )
    scenario = models.ForeignKey(
        Material, verbose_name=_("scenario"), on_delete=models.PROTECT, related_name="sessions"
    )
    language = models.CharField(_("language"), max_length=10)
    node = models.CharField(_("current node"), max_length=50)
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.OPEN
    )
    outcome = models.CharField(_("outcome"), max_length=30, blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("passed"), default=False)
    marks = models.JSONField(_("scorecard marks"), default=dict, blank=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("practice session")
        verbose_name_plural = _("practice sessions")
        indexes = [models.Index(fields=["user", "status"], name="training_session_user_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=SessionStatus.values), name="training_session_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(finished_at__isnull=False), name="training_session_finished_at"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.scenario.slug} {self.started_at:%Y-%m-%d %H:%M}"


class PracticeTurn(models.Model):
    """One debtor line and the trainee's reply (or choice), with what the checks found."""

    session = models.ForeignKey(
        PracticeSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="turns"
    )
    number = models.PositiveSmallIntegerField(_("turn"))
    node = models.CharField(_("node"), max_length=50)
    reply = models.TextField(_("reply"), blank=True)
    choice = models.CharField(_("choice"), max_length=50, blank=True)
    hits = models.JSONField(_("linter hits"), default=list, blank=True)
    found = models.JSONField(_("elements shown"), default=list, blank=True)
    expected = models.JSONField(_("elements expected"), default=list, blank=True)
    mismatched = models.JSONField(_("elements stated wrongly"), default=list, blank=True)
    next_node = models.CharField(_("next node"), max_length=50)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("practice turn")
        verbose_name_plural = _("practice turns")
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="training_turn_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.session_id} #{self.number} {self.node}"


class QuizAttempt(models.Model):
    """A submitted quiz: the answers given and the result."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("trainee"), on_delete=models.PROTECT, related_name="+"
    )
    quiz = models.ForeignKey(
        Material, verbose_name=_("quiz"), on_delete=models.PROTECT, related_name="attempts"
    )
    answers = models.JSONField(_("answers"), default=dict)
    correct = models.PositiveSmallIntegerField(_("correct answers"))
    total = models.PositiveSmallIntegerField(_("questions"))
    percent = models.PositiveSmallIntegerField(_("score (%)"))
    passed = models.BooleanField(_("passed"))
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        indexes = [models.Index(fields=["user", "submitted_at"], name="training_attempt_user")]
        constraints = [
            models.CheckConstraint(
                condition=Q(correct__lte=models.F("total")), name="training_attempt_correct_le_total"
            ),
            models.CheckConstraint(condition=Q(percent__lte=100), name="training_attempt_percent_range"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.percent}% {self.submitted_at:%Y-%m-%d}"


class Certification(models.Model):
    """A collector's certification: earned by the quiz and practice, valid until a date or revoked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("collector"), on_delete=models.PROTECT, related_name="+"
    )
    attempt = models.ForeignKey(
        QuizAttempt, verbose_name=_("quiz attempt"), on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("revoked by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    revoke_reason = models.CharField(_("reason for revoking"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="training_one_certification_in_force",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.granted_at:%Y-%m-%d}"


class TrainingPolicy(models.Model):
    """Whether a portfolio's live work goes only to certified collectors."""

    portfolio = models.OneToOneField(
        Portfolio, verbose_name=_("portfolio"), on_delete=models.CASCADE, related_name="training_policy"
    )
    certification_required = models.BooleanField(_("certification required for live work"), default=False)
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("training policy")
        verbose_name_plural = _("training policies")

    def __str__(self) -> str:
        return f"{self.portfolio} {self.certification_required}"
