"""Command and filter forms of the desk pages (plain forms; the domain validates the rest)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from arrears.portfolio.choices import ChangeCategory, Channel, PaymentChannel
from arrears.portfolio.models import Portfolio


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class DebtorSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("Name, reference, phone, e-mail or ID number")}),
    )


class AsOfForm(forms.Form):
    as_of = forms.DateField(label=_("Balances as of"), required=False, widget=DateInput())


class PaymentForm(forms.Form):
    """Record a payment received for a debt (its currency is the debt's)."""

    external_ref = forms.CharField(
        label=_("Payment reference"),
        max_length=64,
        help_text=_("The bank or receipt reference; posting the same reference twice records it once."),
    )
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=18, decimal_places=2, min_value=Decimal("0.01"), localize=True
    )
    received_date = forms.DateField(label=_("Received on"), widget=DateInput())
    channel = forms.ChoiceField(
        label=_("Channel"), choices=PaymentChannel.choices, initial=PaymentChannel.BANK_TRANSFER
    )


class DebtorChangeForm(forms.Form):
    """Record a material change in a debtor's circumstances."""

    category = forms.ChoiceField(label=_("Category"), choices=ChangeCategory.choices)
    description = forms.CharField(
        label=_("Description"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    occurred_date = forms.DateField(label=_("Occurred on"), required=False, widget=DateInput())


class ContactPointForm(forms.Form):
    """One change to a contact point, named by the button pressed: ``opt_out:sms``, ``resume:sms``,
    ``verify``, ``do_not_contact`` or ``allow_contact``."""

    PER_CHANNEL = frozenset({"opt_out", "resume"})
    WHOLE_POINT = frozenset({"verify", "do_not_contact", "allow_contact"})
    action = forms.CharField(max_length=40)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def clean_action(self) -> tuple[str, str]:
        operation, _sep, channel = self.cleaned_data["action"].partition(":")
        if (operation in self.PER_CHANNEL and channel in Channel.values) or (
            operation in self.WHOLE_POINT and not channel
        ):
            return operation, channel
        raise forms.ValidationError(_("Unknown change to a contact point."))


class ImportForm(forms.Form):
    """Upload a debts or payments file into one of the user's portfolios."""

    portfolio = forms.ModelChoiceField(label=_("Portfolio"), queryset=Portfolio.objects.none())
    kind = forms.ChoiceField(
        label=_("File holds"), choices=(("debts", _("Debts")), ("payments", _("Payments")))
    )
    file = forms.FileField(label=_("CSV or XLSX file"))
    dry_run = forms.BooleanField(label=_("Validate only, change nothing"), required=False)
    strict = forms.BooleanField(label=_("Apply nothing if any row is rejected"), required=False)

    def __init__(self, *args: Any, portfolios: QuerySet[Portfolio], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["portfolio"].queryset = portfolios  # type: ignore[attr-defined]


class ReversePaymentForm(forms.Form):
    reason = forms.CharField(label=_("Why it did not arrive"), max_length=200)


class VerifyForm(forms.Form):
    reason = forms.CharField(label=_("Note"), required=False, max_length=500)


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action"), required=False, max_length=100)
    object_type = forms.CharField(
        label=_("Object type"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "portfolio.debt"}),
    )
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=100)
    portfolio = forms.ModelChoiceField(
        label=_("Portfolio"), required=False, queryset=Portfolio.objects.none()
    )

    def __init__(self, *args: Any, portfolios: QuerySet[Portfolio], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["portfolio"].queryset = portfolios  # type: ignore[attr-defined]
