from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from arrears.core import money
from arrears.core.fields import EncryptedTextField
from arrears.portfolio import allocation
from arrears.portfolio.choices import (
    CHARGE_KINDS,
    CREDIT_KINDS,
    ChangeCategory,
    Component,
    ContactKind,
    ContactRole,
    ContactSource,
    DebtorKind,
    DebtStatus,
    EntryKind,
    EntrySource,
    PaymentChannel,
    Product,
)

DEFAULT_ALLOCATION_ORDER = [Component.FEE, Component.PENALTY, Component.INTEREST, Component.PRINCIPAL]


def default_allocation_order() -> list[str]:
    return [str(component) for component in DEFAULT_ALLOCATION_ORDER]


def _money(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=2, **kwargs)


class Portfolio(models.Model):
    """A creditor's book of debts; every debtor belongs to exactly one."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    creditor_name = models.CharField(_("creditor"), max_length=200)
    country = models.CharField(
        _("country"), max_length=2, help_text=_("ISO 3166-1 code; the default region for phone numbers.")
    )
    default_currency = models.CharField(_("default currency"), max_length=3)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    allocation_order = models.JSONField(
        _("payment allocation order"),
        default=default_allocation_order,
        help_text=_("Components a payment settles first to last, e.g. fee, penalty, interest, principal."),
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("portfolio")
        verbose_name_plural = _("portfolios")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Refuse an allocation order that does not list each component once, or an unknown currency."""
        try:
            allocation.check_order(self.allocation_order)
        except allocation.InvalidAllocationOrder:
            raise ValidationError(
                {"allocation_order": _("List fee, penalty, interest and principal, each exactly once.")}
            ) from None
        if not money.is_currency(self.default_currency):
            raise ValidationError({"default_currency": _("Unknown currency code.")})


class Debtor(models.Model):
    """A person or a company that owes one or more debts in a portfolio."""

    portfolio = models.ForeignKey(
        Portfolio,
        verbose_name=_("portfolio"),
        on_delete=models.PROTECT,
        related_name="debtors",
        db_index=False,
    )
    external_ref = models.CharField(_("external reference"), max_length=64)
    kind = models.CharField(_("kind"), max_length=10, choices=DebtorKind.choices)
    name = models.CharField(_("name"), max_length=200)
    national_id = EncryptedTextField(_("national ID"), blank=True, default="")
    national_id_hash = models.BigIntegerField(null=True, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    language = models.CharField(_("preferred language"), max_length=10, default="zh-hans")
    region = models.CharField(
        _("region"),
        max_length=10,
        blank=True,
        help_text=_("ISO 3166-2 code of residence, e.g. CN-31, US-CA."),
    )
    business_condition = models.TextField(_("business condition"), blank=True)
    family_situation = models.TextField(_("family situation"), blank=True)
    financial_situation = models.TextField(_("financial situation"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("debtor")
        verbose_name_plural = _("debtors")
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "external_ref"], name="debtor_ref_unique_in_portfolio"
            ),
            models.CheckConstraint(condition=Q(kind__in=DebtorKind.values), name="debtor_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["portfolio", "name"], name="debtor_portfolio_name_idx"),
            models.Index(fields=["national_id_hash"], name="debtor_national_id_hash_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class DebtorChange(models.Model):
    """A material change in a debtor's circumstances (job loss, move, illness, business trouble)."""

    debtor = models.ForeignKey(
        Debtor, verbose_name=_("debtor"), on_delete=models.CASCADE, related_name="changes"
    )
    category = models.CharField(_("category"), max_length=20, choices=ChangeCategory.choices)
    description = models.TextField(_("description"))
    occurred_date = models.DateField(_("occurred on"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )

    class Meta:
        verbose_name = _("debtor change")
        verbose_name_plural = _("debtor changes")

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.description[:40]}"


class ContactPerson(models.Model):
    """Someone connected to a debtor: a company's staff, an emergency contact, a guarantor, an attorney."""

    debtor = models.ForeignKey(
        Debtor, verbose_name=_("debtor"), on_delete=models.CASCADE, related_name="contact_persons"
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=20, choices=ContactRole.choices)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class ContactPoint(models.Model):
    """A phone, e-mail, postal address or app id of a debtor, with consent and opt-outs per channel."""

    debtor = models.ForeignKey(
        Debtor,
        verbose_name=_("debtor"),
        on_delete=models.CASCADE,
        related_name="contact_points",
        db_index=False,
    )
    contact_person = models.ForeignKey(
        ContactPerson,
        verbose_name=_("contact person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="contact_points",
        db_index=False,  # a partial index below: most points belong to no contact person
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ContactKind.choices)
    value = EncryptedTextField(_("value"))
    value_hash = models.BigIntegerField()
    region = models.CharField(_("region"), max_length=10, blank=True)
    time_zones = models.JSONField(
        _("candidate time zones"), default=list, blank=True, help_text=_("IANA zones the debtor may be in.")
    )
    is_primary = models.BooleanField(_("primary"), default=False)
    verified = models.BooleanField(_("verified"), default=False)
    last_verified_at = models.DateTimeField(_("last verified at"), null=True, blank=True)
    consent = models.JSONField(_("consent per channel"), default=dict, blank=True)
    opt_outs = models.JSONField(_("opt-outs per channel"), default=dict, blank=True)
    do_not_contact = models.BooleanField(_("do not contact"), default=False)
    source = models.CharField(_("source"), max_length=20, choices=ContactSource.choices)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        constraints = [
            models.UniqueConstraint(fields=["debtor", "kind", "value_hash"], name="contact_point_unique"),
            models.CheckConstraint(condition=Q(kind__in=ContactKind.values), name="contact_point_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["value_hash"], name="contact_point_value_hash_idx"),
            models.Index(
                fields=["contact_person"],
                condition=Q(contact_person__isnull=False),
                name="contact_point_person_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Debt(models.Model):
    """One obligation of a debtor: its contract terms, schedule, status and ledger."""

    portfolio = models.ForeignKey(
        Portfolio, verbose_name=_("portfolio"), on_delete=models.PROTECT, related_name="debts", db_index=False
    )
    debtor = models.ForeignKey(
        Debtor, verbose_name=_("debtor"), on_delete=models.PROTECT, related_name="debts"
    )
    external_ref = models.CharField(_("external reference"), max_length=64)
    product = models.CharField(_("product"), max_length=20, choices=Product.choices)
    currency = models.CharField(_("currency"), max_length=3)
    principal = _money(_("principal"))
    contract_date = models.DateField(_("contract date"))
    due_date = models.DateField(
        _("due date"), help_text=_("When the debt, or its first instalment, fell due.")
    )
    interest_rate = models.DecimalField(
        _("interest rate (% a year)"), max_digits=7, decimal_places=4, default=Decimal("0")
    )
    penalty_rate = models.DecimalField(
        _("penalty rate (% a year)"), max_digits=7, decimal_places=4, default=Decimal("0")
    )
    instalment_count = models.PositiveSmallIntegerField(
        _("instalments"),
        default=1,
        help_text=_("Equal monthly instalments from the due date; explicit instalment rows replace them."),
    )
    status = models.CharField(_("status"), max_length=20, choices=DebtStatus.choices, default=DebtStatus.OPEN)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # a partial index in Meta: unverified debts have none
    )
    import_fingerprint = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("debt")
        verbose_name_plural = _("debts")
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "external_ref"], name="debt_ref_unique_in_portfolio"
            ),
            models.CheckConstraint(condition=Q(principal__gte=0), name="debt_principal_gte_0"),
            models.CheckConstraint(condition=Q(status__in=DebtStatus.values), name="debt_status_valid"),
            models.CheckConstraint(condition=Q(product__in=Product.values), name="debt_product_valid"),
            models.CheckConstraint(
                condition=Q(interest_rate__gte=0, penalty_rate__gte=0), name="debt_rates_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(instalment_count__gte=1, instalment_count__lte=360),
                name="debt_instalment_count_1_360",
            ),
        ]
        indexes = [
            models.Index(
                fields=["verified_by"], condition=Q(verified_by__isnull=False), name="debt_verified_by_idx"
            )
        ]

    def __str__(self) -> str:
        return self.external_ref


class Instalment(models.Model):
    """One due date of an irregular schedule; when a debt has these, they replace the derived one."""

    debt = models.ForeignKey(
        Debt, verbose_name=_("debt"), on_delete=models.CASCADE, related_name="instalments", db_index=False
    )
    number = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("due date"))
    principal_due = _money(_("principal due"))
    interest_due = _money(_("interest due"), default=Decimal("0.00"))

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        constraints = [
            models.UniqueConstraint(fields=["debt", "number"], name="instalment_number_unique"),
            models.CheckConstraint(
                condition=Q(principal_due__gte=0, interest_due__gte=0), name="instalment_amounts_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.debt_id}/{self.number}"


class Payment(models.Model):
    """Money received for a debt; its allocation lives in the ledger entries that point to it."""

    portfolio = models.ForeignKey(
        Portfolio,
        verbose_name=_("portfolio"),
        on_delete=models.PROTECT,
        related_name="payments",
        db_index=False,
    )
    debt = models.ForeignKey(Debt, verbose_name=_("debt"), on_delete=models.PROTECT, related_name="payments")
    external_ref = models.CharField(_("payment reference"), max_length=64)
    amount = _money(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    received_date = models.DateField(_("received on"))
    channel = models.CharField(_("channel"), max_length=20, choices=PaymentChannel.choices)
    source = models.CharField(_("source"), max_length=20, choices=EntrySource.choices)
    posted_at = models.DateTimeField(_("posted at"))
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("posted by"), null=True, blank=True, on_delete=models.PROTECT
    )

    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversal_reason = models.CharField(
        _("reversal reason"), max_length=200, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "external_ref"], name="payment_ref_unique_in_portfolio"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return self.external_ref


class LedgerEntry(models.Model):
    """One append-only movement on one component of a debt; balances are sums of these.

    Charges (principal, interest, penalty, fee) are positive; payments, waivers and write-offs are
    negative; adjustments may be either. Money paid beyond the balance is a negative ``overpayment``.
    """

    debt = models.ForeignKey(
        Debt, verbose_name=_("debt"), on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    component = models.CharField(_("component"), max_length=20, choices=Component.choices)
    amount = _money(_("amount"))
    effective_date = models.DateField(_("effective date"))
    posted_at = models.DateTimeField(_("posted at"))
    source = models.CharField(_("source"), max_length=20, choices=EntrySource.choices)
    idempotency_key = models.CharField(_("idempotency key"), max_length=120)
    payment = models.ForeignKey(
        Payment,
        verbose_name=_("payment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        db_index=False,  # a partial index in Meta: charges, waivers and adjustments have no payment
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.UniqueConstraint(fields=["debt", "idempotency_key"], name="ledger_entry_idempotent"),
            models.CheckConstraint(
                condition=Q(kind__in=[str(kind) for kind in CHARGE_KINDS], amount__gt=0)
                | Q(kind__in=[str(kind) for kind in CREDIT_KINDS], amount__lt=0)
                | (Q(kind=EntryKind.ADJUSTMENT) & ~Q(amount=0)),
                name="ledger_entry_sign_by_kind",
            ),
            models.CheckConstraint(
                condition=Q(component__in=Component.values), name="ledger_component_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["payment"], condition=Q(payment__isnull=False), name="ledger_entry_payment_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"
