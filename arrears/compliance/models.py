"""What the compliance engine keeps: holds, the contact history, recorded refusals, each portfolio's packs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from arrears.compliance.rules.vocabulary import Action, Decision, EventType, HoldType, Outcome
from arrears.portfolio.models import ContactPerson, ContactPoint, Debt, Debtor, Portfolio

HOLD_LABELS = {
    HoldType.DISPUTE: _("Dispute"),
    HoldType.WRITTEN_CEASE: _("Written cease-communication"),
    HoldType.ATTORNEY: _("Represented by an attorney"),
    HoldType.BANKRUPTCY: _("Bankruptcy"),
    HoldType.DECEASED: _("Deceased"),
    HoldType.HARDSHIP_REVIEW: _("Hardship review"),
    HoldType.COMPLAINT: _("Complaint"),
    HoldType.LITIGATION: _("Litigation"),
    HoldType.BREATHING_SPACE: _("Breathing space"),
    HoldType.VULNERABILITY_REVIEW: _("Vulnerability review"),
    HoldType.DO_NOT_CONTACT: _("Do not contact"),
    HoldType.OPT_OUT_CALL: _("Opted out of calls"),
    HoldType.OPT_OUT_SMS: _("Opted out of SMS"),
    HoldType.OPT_OUT_EMAIL: _("Opted out of e-mail"),
    HoldType.OPT_OUT_APP: _("Opted out of app messages"),
    HoldType.OPT_OUT_LETTER: _("Opted out of letters"),
    HoldType.OPT_OUT_VISIT: _("Opted out of visits"),
}
OUTCOME_LABELS = {
    Outcome.NOT_CONNECTED_BUSY: _("Busy"),
    Outcome.NOT_CONNECTED_INVALID: _("Number not in service"),
    Outcome.NO_ANSWER: _("No answer"),
    Outcome.VOICEMAIL_NO_MESSAGE: _("Voicemail, no message"),
    Outcome.VOICEMAIL_LCM: _("Voicemail, limited-content message"),
    Outcome.VOICEMAIL_OTHER: _("Voicemail, other message"),
    Outcome.CONNECTED_DROPPED: _("Connected, then dropped"),
    Outcome.CONVERSATION: _("Conversation"),
    Outcome.THIRD_PARTY_ANSWERED: _("A third party answered"),
}
EVENT_LABELS = {
    EventType.CALL_OUTBOUND: _("Outbound call"),
    EventType.CALL_INBOUND: _("Inbound call"),
    EventType.SMS: _("SMS"),
    EventType.EMAIL: _("E-mail"),
    EventType.APP: _("App message"),
    EventType.LETTER: _("Letter"),
    EventType.VISIT: _("Field visit"),
}
ACTION_LABELS = {
    Action.CALL: _("Call"),
    Action.SMS: _("SMS"),
    Action.EMAIL: _("E-mail"),
    Action.APP: _("App message"),
    Action.LETTER: _("Letter"),
    Action.VISIT: _("Field visit"),
    Action.LAWSUIT: _("Lawsuit"),
}
DECISION_LABELS = {
    Decision.ALLOW: _("Allowed"),
    Decision.REVIEW: _("Needs review"),
    Decision.DENY: _("Refused"),
}


def _choices(labels: dict[Any, Any]) -> list[tuple[str, object]]:
    return [(key.value, label) for key, label in labels.items()]


class CompliancePolicy(models.Model):
    """The rule packs a portfolio applies, plus its own stricter rules (overrides)."""

    portfolio = models.OneToOneField(
        Portfolio, verbose_name=_("portfolio"), on_delete=models.CASCADE, related_name="compliance_policy"
    )
    packs = models.JSONField(
        _("rule packs"), default=list, help_text=_('For example: ["cn"] or ["us-regf"].')
    )
    overrides = models.JSONField(_("own rules"), default=list, blank=True)
    collector_entity = models.CharField(
        _("collector entity"), max_length=64, blank=True,
        help_text=_("Who contacts debtors (the creditor or an agency); caps shared by a creditor and its agencies count all."),
    )  # fmt: skip
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("compliance policy")
        verbose_name_plural = _("compliance policies")

    def __str__(self) -> str:
        return f"{self.portfolio} — {', '.join(self.packs)}"


class Hold(models.Model):
    """A pause on contact: a dispute, a written cease, an attorney, an opt-out … with who set it and why."""

    debtor = models.ForeignKey(
        Debtor, verbose_name=_("debtor"), on_delete=models.CASCADE, related_name="holds"
    )
    type = models.CharField(_("type"), max_length=24, choices=_choices(HOLD_LABELS))
    debt = models.ForeignKey(
        Debt, verbose_name=_("debt"), null=True, blank=True, on_delete=models.CASCADE, related_name="holds",
        help_text=_("Empty: every debt of the debtor."),
    )  # fmt: skip
    contact_person = models.ForeignKey(
        ContactPerson, verbose_name=_("contact person"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="holds", help_text=_("Empty: the debtor and everyone contacted about the debt."),
    )  # fmt: skip
    contact_point = models.ForeignKey(
        ContactPoint, verbose_name=_("contact point"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="holds",
    )  # fmt: skip
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("lifted by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    lift_reason = models.TextField(_("reason for lifting"), blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        indexes = [models.Index(fields=["debtor", "starts_at"], name="hold_debtor_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(type__in=[t.value for t in HoldType]), name="hold_type_valid"),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="hold_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} #{self.pk}"


class ContactEvent(models.Model):
    """One contact or attempt with anyone about a debtor's debts: what the frequency rules count."""

    debtor = models.ForeignKey(
        Debtor,
        verbose_name=_("debtor"),
        on_delete=models.CASCADE,
        related_name="contact_events",
        db_index=False,
    )
    contact_person = models.ForeignKey(
        ContactPerson, verbose_name=_("contact person"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="contact_events", help_text=_("Empty: the debtor."),
    )  # fmt: skip
    contact_point = models.ForeignKey(
        ContactPoint, verbose_name=_("contact point"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="contact_events",
    )  # fmt: skip
    type = models.CharField(_("type"), max_length=16, choices=_choices(EVENT_LABELS))
    outcome = models.CharField(_("outcome"), max_length=24, blank=True, choices=_choices(OUTCOME_LABELS))
    debt_ids = models.JSONField(_("debts"), default=list, help_text=_("Empty: every debt of the debtor."))
    occurred_at = models.DateTimeField(_("occurred at"))
    by_entity = models.CharField(_("by"), max_length=64)
    with_consent = models.BooleanField(_("with prior consent"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("contact event")
        verbose_name_plural = _("contact events")
        indexes = [models.Index(fields=["debtor", "occurred_at"], name="contact_event_debtor_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=[t.value for t in EventType]), name="contact_event_type_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.occurred_at:%Y-%m-%d %H:%M}"


class ContactDecision(models.Model):
    """A decision that refused or flagged a contact, kept so "why was this blocked?" has an answer."""

    debtor = models.ForeignKey(
        Debtor,
        verbose_name=_("debtor"),
        on_delete=models.CASCADE,
        related_name="contact_decisions",
        db_index=False,
    )
    contact_person = models.ForeignKey(
        ContactPerson, verbose_name=_("contact person"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    contact_point = models.ForeignKey(
        ContactPoint, verbose_name=_("contact point"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    action = models.CharField(_("action"), max_length=16, choices=_choices(ACTION_LABELS))
    debt_ids = models.JSONField(_("debts"), default=list)
    proposed_at = models.DateTimeField(_("proposed for"))
    decision = models.CharField(_("decision"), max_length=8, choices=_choices(DECISION_LABELS))
    reasons = models.JSONField(_("reasons"), default=list)
    next_allowed_at = models.DateTimeField(_("next allowed at"), null=True, blank=True)
    policy = models.CharField(_("rule packs"), max_length=200)
    source = models.CharField(_("asked by"), max_length=20)
    decided_for = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked for"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("contact decision")
        verbose_name_plural = _("contact decisions")
        indexes = [models.Index(fields=["debtor", "proposed_at"], name="contact_decision_debtor_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision=Decision.ALLOW.value), name="contact_decision_not_allow"
            )
        ]

    def __str__(self) -> str:
        return f"{self.decision} {self.action} {self.proposed_at:%Y-%m-%d %H:%M}"
