"""Templates and their approved versions, the outbox of messages, delivery events, print batches."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from arrears.portfolio.models import ContactPoint, Debt, Debtor


class Purpose(models.TextChoices):
    FRIENDLY_REMINDER = "friendly_reminder", _("Friendly reminder")
    COURTESY_REMINDER = "courtesy_reminder", _("Courtesy reminder before the due date")
    CONSEQUENCES_NOTICE = "consequences_notice", _("Consequences notice")
    DEMAND_LETTER = "demand_letter", _("Formal demand letter")
    HARDSHIP_OUTREACH = "hardship_outreach", _("Hardship outreach")
    PROMISE_CONFIRMATION = "promise_confirmation", _("Promise confirmation")
    ARRANGEMENT_CONFIRMATION = "arrangement_confirmation", _("Arrangement confirmation")
    DISPUTE_ACKNOWLEDGEMENT = "dispute_acknowledgement", _("Dispute acknowledgement")
    DISPUTE_OUTCOME = "dispute_outcome", _("Dispute outcome")
    PAYMENT_RECEIPT = "payment_receipt", _("Payment receipt")
    OPT_OUT_CONFIRMATION = "opt_out_confirmation", _("Opt-out confirmation")


class MessageChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    APP = "app", _("App notification")
    LETTER = "letter", _("Letter")


class Template(models.Model):
    """One message a team sends — a purpose on a channel in a language — with its versions."""

    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    language = models.CharField(_("language"), max_length=10)
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("template")
        verbose_name_plural = _("templates")
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "channel", "language", "stage"], name="template_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose}/{self.channel}/{self.language}"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    RETIRED = "retired", _("Retired")


class TemplateVersion(models.Model):
    """The text of a template at one moment; only a version a compliance officer approved is sent."""

    template = models.ForeignKey(
        Template, verbose_name=_("template"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    lint_hits = models.JSONField(_("content check"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("template version")
        verbose_name_plural = _("template versions")
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="template_version_unique"),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_at__isnull=False),
                name="template_version_approved_when",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class PrintBatch(models.Model):
    """A day's letters as one file for the print shop, with its hash."""

    portfolio_id = models.BigIntegerField(_("portfolio"))
    business_date = models.DateField(_("date"))
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    letter_count = models.PositiveIntegerField(_("letters"), default=0)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("print batch")
        verbose_name_plural = _("print batches")
        constraints = [
            models.UniqueConstraint(fields=["portfolio_id", "business_date"], name="print_batch_unique")
        ]

    def __str__(self) -> str:
        return f"{self.business_date} ({self.letter_count})"


class Message(models.Model):
    """One message in the outbox: its exact text, where it goes, when it may go, and what happened."""

    debtor = models.ForeignKey(
        Debtor, verbose_name=_("debtor"), on_delete=models.CASCADE, related_name="messages"
    )
    debt = models.ForeignKey(
        Debt,
        verbose_name=_("debt"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    contact_point = models.ForeignKey(
        ContactPoint,
        verbose_name=_("contact point"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices)
    template_version = models.ForeignKey(
        TemplateVersion, verbose_name=_("template version"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="messages",
    )  # fmt: skip
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text as sent"))
    html = models.TextField(_("HTML as sent"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    not_before = models.DateTimeField(_("send from"))
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    provider_message_id = models.CharField(_("provider's id"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    tracking_number = models.CharField(_("registered-mail tracking number"), max_length=64, blank=True)
    print_batch = models.ForeignKey(
        PrintBatch, verbose_name=_("print batch"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="letters",
    )  # fmt: skip
    source = models.CharField(_("created by"), max_length=20)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["status", "not_before"], name="message_due_idx"),
            models.Index(fields=["debtor", "created_at"], name="message_debtor_idx"),
            models.Index(fields=["channel", "provider_message_id"], name="message_provider_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=MessageStatus.values), name="message_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk} {self.status}"


class MessageEventKind(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RESCHEDULED = "rescheduled", _("Rescheduled")
    SENT = "sent", _("Sent")
    RETRY = "retry", _("Will retry")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    DELIVERED = "delivered", _("Delivered")
    BOUNCED = "bounced", _("Bounced")
    REPLY = "reply", _("Reply")
    CALLBACK_REJECTED = "callback_rejected", _("Callback rejected")


class MessageEvent(models.Model):
    """Something that happened to a message (or arrived for one): sent, retried, delivered, bounced, a reply."""

    message = models.ForeignKey(
        Message,
        verbose_name=_("message"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    debtor = models.ForeignKey(
        Debtor, verbose_name=_("debtor"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("what"), max_length=20, choices=MessageEventKind.choices)
    detail = models.TextField(_("detail"), blank=True)
    payload = models.JSONField(_("data"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("message event")
        verbose_name_plural = _("message events")
        indexes = [models.Index(fields=["message", "occurred_at"], name="message_event_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.occurred_at:%Y-%m-%d %H:%M}"
