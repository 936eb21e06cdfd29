"""The closed vocabularies of the portfolio domain."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DebtorKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class ContactRole(models.TextChoices):
    FINANCE = "finance", _("Finance")
    DECISION_MAKER = "decision_maker", _("Decision-maker")
    LEGAL = "legal", _("Legal")
    OWNER = "owner", _("Owner")
    OTHER = "other", _("Other")
    EMERGENCY_CONTACT = "emergency_contact", _("Emergency contact")
    FAMILY = "family", _("Family member")
    GUARANTOR = "guarantor", _("Guarantor")
    ATTORNEY = "attorney", _("Attorney")


class ChangeCategory(models.TextChoices):
    EMPLOYMENT = "employment", _("Employment")
    INCOME = "income", _("Income")
    FAMILY = "family", _("Family")
    ADDRESS = "address", _("Address")
    BUSINESS = "business", _("Business condition")
    HEALTH = "health", _("Health")
    OTHER = "other", _("Other")


class ContactKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    ADDRESS = "address", _("Postal address")
    APP = "app", _("App / device")


class Channel(models.TextChoices):
    CALL = "call", _("Call")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("Field visit")
    APP = "app", _("App notification")


CHANNELS_BY_KIND: dict[str, tuple[str, ...]] = {
    ContactKind.PHONE: (Channel.CALL, Channel.SMS),
    ContactKind.EMAIL: (Channel.EMAIL,),
    ContactKind.ADDRESS: (Channel.LETTER, Channel.VISIT),
    ContactKind.APP: (Channel.APP,),
}


class ContactSource(models.TextChoices):
    IMPORT = "import", _("Import")
    DEBTOR = "debtor", _("Debtor")
    COLLECTOR = "collector", _("Collector")
    SKIP_TRACE = "skip_trace", _("Skip tracing")


class Product(models.TextChoices):
    CREDIT_CARD = "credit_card", _("Credit card")
    CONSUMER_LOAN = "consumer_loan", _("Consumer loan")
    MORTGAGE = "mortgage", _("Mortgage")
    AUTO_LOAN = "auto_loan", _("Auto loan")
    STUDENT_LOAN = "student_loan", _("Student loan")
    SME_LOAN = "sme_loan", _("Small business loan")
    B2B_INVOICE = "b2b_invoice", _("B2B invoice")
    UTILITY = "utility", _("Utility bill")
    TELECOM = "telecom", _("Telecom bill")
    OTHER = "other", _("Other")


class DebtStatus(models.TextChoices):
    OPEN = "open", _("Open")
    VERIFIED = "verified", _("Verified")
    DISPUTED = "disputed", _("Disputed")
    IN_ARRANGEMENT = "in_arrangement", _("In arrangement")
    SETTLED = "settled", _("Settled")
    WRITTEN_OFF = "written_off", _("Written off")
    CLOSED = "closed", _("Closed")


class Component(models.TextChoices):
    """What a ledger amount is owed for; ``overpayment`` holds money paid beyond the balance."""

    PRINCIPAL = "principal", _("Principal")
    INTEREST = "interest", _("Interest")
    PENALTY = "penalty", _("Penalty")
    FEE = "fee", _("Fee")
    OVERPAYMENT = "overpayment", _("Overpayment")


class EntryKind(models.TextChoices):
    PRINCIPAL = "principal", _("Principal")
    INTEREST = "interest", _("Interest")
    PENALTY = "penalty", _("Penalty")
    FEE = "fee", _("Fee")
    PAYMENT = "payment", _("Payment")
    WAIVER = "waiver", _("Waiver")
    ADJUSTMENT = "adjustment", _("Adjustment")
    WRITE_OFF = "write_off", _("Write-off")


CHARGE_KINDS = (EntryKind.PRINCIPAL, EntryKind.INTEREST, EntryKind.PENALTY, EntryKind.FEE)
CREDIT_KINDS = (EntryKind.PAYMENT, EntryKind.WAIVER, EntryKind.WRITE_OFF)


class EntrySource(models.TextChoices):
    IMPORT = "import", _("Import")
    PAYMENT = "payment", _("Payment posting")
    COLLECTOR = "collector", _("Collector")
    SYSTEM = "system", _("System")
    API = "api", _("API")


class PaymentChannel(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CARD = "card", _("Card")
    CASH = "cash", _("Cash")
    DIRECT_DEBIT = "direct_debit", _("Direct debit")
    WALLET = "wallet", _("Mobile wallet")
    PORTAL = "portal", _("Debtor portal")
    OTHER = "other", _("Other")
