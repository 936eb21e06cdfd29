"""Late stage and recovery: field visits, legal referrals and their evidence, placements, write-offs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from arrears.casework.models import Case
from arrears.portfolio.models import ContactPoint, Payment, Portfolio

DEFAULT_FORBIDDEN_PLACES = ["workplace", "school", "hospital"]


def _money(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=2, **kwargs)


def _user(verbose_name: Any, **kwargs: Any) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=verbose_name, null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", **kwargs,
    )  # fmt: skip


def default_forbidden_places() -> list[str]:
    return list(DEFAULT_FORBIDDEN_PLACES)


class RecoverySettings(models.Model):
    """A portfolio's rules for visits and legal referral (the packs decide the hours; these the rest)."""

    portfolio = models.OneToOneField(
        Portfolio, verbose_name=_("portfolio"), on_delete=models.CASCADE, related_name="recovery_settings"
    )
    forbidden_places = models.JSONField(
        _("places not to visit"), default=default_forbidden_places, blank=True,
        help_text=_("Kinds of place a visit may not go to: workplace, school, hospital, other."),
    )  # fmt: skip
    two_person_rule = models.BooleanField(_("visits in pairs"), default=True)
    identification_required = models.BooleanField(_("identification shown at check-in"), default=True)
    legal_min_balance = _money(_("smallest balance for legal referral"), default=Decimal("5000.00"))
    limitation_years = models.PositiveSmallIntegerField(_("limitation period (years)"), default=3)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("recovery settings")
        verbose_name_plural = _("recovery settings")

    def __str__(self) -> str:
        return str(self.portfolio)


class PlaceKind(models.TextChoices):
    HOME = "home", _("Home")
    WORKPLACE = "workplace", _("Workplace")
    SCHOOL = "school", _("School")
    HOSPITAL = "hospital", _("Hospital")
    OTHER = "other", _("Other")


class VisitStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CHECKED_IN = "checked_in", _("On site")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class VisitOutcome(models.TextChoices):
    MET_DEBTOR = "met_debtor", _("Met the debtor")
    PROMISE_TAKEN = "promise_taken", _("Promise taken")
    PAID_ON_SITE = "paid_on_site", _("Paid on site")
    NOT_HOME = "not_home", _("Nobody home")
    THIRD_PARTY = "third_party", _("Spoke to a third party")
    REFUSED = "refused", _("Refused to talk")
    MOVED = "moved", _("Moved away")
    WRONG_ADDRESS = "wrong_address", _("Wrong address")


class SafetyFlag(models.TextChoices):
    AGGRESSIVE = "aggressive", _("Aggressive person")
    DOG = "dog", _("Dangerous animal")
    UNSAFE_AREA = "unsafe_area", _("Unsafe area")
    VULNERABLE = "vulnerable", _("Vulnerable person present")


class Visit(models.Model):
    """A field visit (上门催收) to a debtor's address, from the strategy or a collector's request."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="visits")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("field agent"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    companion = _user(_("second agent"))
    contact_point = models.ForeignKey(
        ContactPoint,
        verbose_name=_("address"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    place_kind = models.CharField(
        _("place"), max_length=12, choices=PlaceKind.choices, default=PlaceKind.HOME
    )
    area = models.CharField(_("area"), max_length=100, blank=True)
    scheduled_for = models.DateTimeField(_("scheduled for"))
    route_order = models.PositiveSmallIntegerField(_("order on the route"), default=0)
    status = models.CharField(
        _("status"), max_length=12, choices=VisitStatus.choices, default=VisitStatus.SCHEDULED
    )
    source = models.CharField(_("requested by"), max_length=20, default="collector")
    purpose = models.TextField(_("purpose"), blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    check_in_latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    check_in_longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    identification_shown = models.BooleanField(_("identification shown"), default=False)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=VisitOutcome.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    safety_flags = models.JSONField(_("safety flags"), default=list, blank=True)
    promise_id = models.BigIntegerField(_("promise"), null=True, blank=True)
    contact_event_id = models.BigIntegerField(_("contact event"), null=True, blank=True)
    created_by = _user(_("created by"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("field visit")
        verbose_name_plural = _("field visits")
        indexes = [models.Index(fields=["agent", "scheduled_for"], name="visit_agent_day_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=VisitStatus.values), name="visit_status_valid"),
            models.CheckConstraint(condition=Q(place_kind__in=PlaceKind.values), name="visit_place_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.scheduled_for:%Y-%m-%d %H:%M}"


class VisitDocument(models.Model):
    """A photo or document taken on a visit, with its hash."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="documents"
    )
    file = models.FileField(_("file"), upload_to="visits/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = _user(_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("visit document")
        verbose_name_plural = _("visit documents")

    def __str__(self) -> str:
        return self.name


class ReferralStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    FILED = "filed", _("Filed with the court")
    JUDGMENT = "judgment", _("Judgment")
    ENFORCEMENT = "enforcement", _("Enforcement")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_REFERRAL_STATUSES = (
    ReferralStatus.PENDING, ReferralStatus.APPROVED, ReferralStatus.FILED, ReferralStatus.JUDGMENT,
    ReferralStatus.ENFORCEMENT,
)  # fmt: skip


class LegalReferral(models.Model):
    """A case referred for legal action (法律程序): approvals, the litigation and its outcome."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="referrals")
    status = models.CharField(_("status"), max_length=12, choices=ReferralStatus.choices)
    balance = _money(_("balance referred"))
    currency = models.CharField(_("currency"), max_length=3)
    reason = models.TextField(_("reason"))
    referred_by = _user(_("referred by"))
    referred_at = models.DateTimeField(_("referred at"))
    supervisor_approved_by = _user(_("approved by (supervisor)"))
    supervisor_approved_at = models.DateTimeField(_("supervisor approved at"), null=True, blank=True)
    compliance_approved_by = _user(_("approved by (compliance)"))
    compliance_approved_at = models.DateTimeField(_("compliance approved at"), null=True, blank=True)
    decided_by = _user(_("rejected or withdrawn by"))
    decision_comment = models.TextField(_("decision comment"), blank=True)
    firm = models.CharField(_("law firm"), max_length=200, blank=True)
    court = models.CharField(_("court"), max_length=200, blank=True)
    court_case_number = models.CharField(_("court case number"), max_length=100, blank=True)
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    judgment_on = models.DateField(_("judgment on"), null=True, blank=True)
    judgment_amount = _money(_("amount awarded"), null=True, blank=True)
    costs_awarded = _money(_("costs awarded"), null=True, blank=True)
    enforcement_note = models.TextField(_("enforcement"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("legal referral")
        verbose_name_plural = _("legal referrals")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values), name="referral_status_valid"
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=OPEN_REFERRAL_STATUSES),
                name="referral_one_open_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.status}"


class Hearing(models.Model):
    """A court hearing of a referral."""

    referral = models.ForeignKey(
        LegalReferral, verbose_name=_("referral"), on_delete=models.CASCADE, related_name="hearings"
    )
    held_at = models.DateTimeField(_("hearing at"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = _user(_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")

    def __str__(self) -> str:
        return f"{self.referral_id} {self.held_at:%Y-%m-%d}"


class EvidenceBundle(models.Model):
    """One evidence bundle built for a referral: a ZIP whose manifest hashes every file."""

    referral = models.ForeignKey(
        LegalReferral, verbose_name=_("referral"), on_delete=models.CASCADE, related_name="bundles"
    )
    file_name = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(_("SHA-256 of the ZIP"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    manifest = models.JSONField(_("manifest"), default=dict)
    created_by = _user(_("built by"))
    created_at = models.DateTimeField(_("built at"))

    class Meta:
        verbose_name = _("evidence bundle")
        verbose_name_plural = _("evidence bundles")

    def __str__(self) -> str:
        return self.file_name


class Agency(models.Model):
    """An outside collection agency (委外) and what it is entitled to see."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    commission_rate = models.DecimalField(_("commission (%)"), max_digits=5, decimal_places=2)
    entitled_fields = models.JSONField(_("fields it receives"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints = [
            models.CheckConstraint(
                condition=Q(commission_rate__gte=0, commission_rate__lte=100), name="agency_commission_0_100"
            )
        ]

    def __str__(self) -> str:
        return self.name


class PlacementStatus(models.TextChoices):
    ACTIVE = "active", _("With the agency")
    RECALLED = "recalled", _("Recalled")


class Placement(models.Model):
    """A case placed with an agency, at a commission rate, until recalled."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="placements"
    )
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="placements"
    )
    status = models.CharField(_("status"), max_length=10, choices=PlacementStatus.choices)
    commission_rate = models.DecimalField(_("commission (%)"), max_digits=5, decimal_places=2)
    balance = _money(_("balance placed"))
    currency = models.CharField(_("currency"), max_length=3)
    placed_by = _user(_("placed by"))
    placed_at = models.DateTimeField(_("placed at"))
    recalled_by = _user(_("recalled by"))
    recalled_at = models.DateTimeField(_("recalled at"), null=True, blank=True)
    recall_reason = models.TextField(_("why recalled"), blank=True)

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status=PlacementStatus.ACTIVE),
                name="placement_one_active_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.case_id}"


class AgencyRemittance(models.Model):
    """A payment an agency reported collecting on a placement, posted to the ledger, with its commission."""

    placement = models.ForeignKey(
        Placement, verbose_name=_("placement"), on_delete=models.PROTECT, related_name="remittances"
    )
    payment = models.OneToOneField(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="+"
    )
    amount = _money(_("amount"))
    commission = _money(_("commission"))
    recorded_by = _user(_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("agency remittance")
        verbose_name_plural = _("agency remittances")

    def __str__(self) -> str:
        return f"{self.placement_id} {self.amount}"


class ClosureReason(models.TextChoices):
    UNCOLLECTABLE = "uncollectable", _("Uncollectable")
    DECEASED = "deceased", _("Debtor deceased")
    BANKRUPT = "bankrupt", _("Bankruptcy")
    TIME_BARRED = "time_barred", _("Time-barred")
    UNECONOMIC = "uneconomic", _("Not worth pursuing")
    FRAUD = "fraud", _("Fraud")


class WriteOffStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Written off")
    REJECTED = "rejected", _("Rejected")


class WriteOff(models.Model):
    """A write-off (核销): requested with a closure reason, approved by someone else, then booked."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="write_offs"
    )
    status = models.CharField(_("status"), max_length=10, choices=WriteOffStatus.choices)
    closure_reason = models.CharField(_("closure reason"), max_length=16, choices=ClosureReason.choices)
    note = models.TextField(_("note"), blank=True)
    amount = _money(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    components = models.JSONField(_("by component"), default=dict, blank=True)
    requested_by = _user(_("requested by"))
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = _user(_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)

    class Meta:
        verbose_name = _("write-off")
        verbose_name_plural = _("write-offs")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=["pending", "approved"]),
                name="write_off_one_per_case",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="write_off_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.amount}"


class WriteOffRecovery(models.Model):
    """Money received after a write-off: the written-off amount owed again, then the payment posted."""

    write_off = models.ForeignKey(
        WriteOff, verbose_name=_("write-off"), on_delete=models.PROTECT, related_name="recoveries"
    )
    payment = models.OneToOneField(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="+"
    )
    amount = _money(_("amount"))
    recorded_by = _user(_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("recovery after write-off")
        verbose_name_plural = _("recoveries after write-off")

    def __str__(self) -> str:
        return f"{self.write_off_id} {self.amount}"
