"""The portal's forms: plain forms whose labels a phone's screen reader reads out."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from arrears.casework import disputes
from arrears.casework.models import ArrangementKind, DisputeReason, HardshipCause
from arrears.core.upload_fields import MultipleFileField, MultipleFileInput
from arrears.usecases.portal_access import IdentityCheck


class DateInput(forms.DateInput):
    input_type = "date"


def fresh_key() -> str:
    """Return a new request key: a form submitted twice does its work once."""
    return secrets.token_urlsafe(16)


class ActionForm(forms.Form):
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class IdentityForm(forms.Form):
    """The one question; a date picker for a birth date, four characters for an ID number's end."""

    def __init__(self, *args: Any, check: IdentityCheck, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if check == IdentityCheck.BIRTH_DATE:
            self.fields["answer"] = forms.DateField(
                label=gettext_lazy("Your date of birth"), widget=DateInput(attrs={"autocomplete": "bday"})
            )
        else:
            self.fields["answer"] = forms.CharField(
                label=gettext_lazy("The last 4 characters of your ID number"), min_length=4, max_length=4,
                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "size": 4}),
            )  # fmt: skip


class PromiseForm(ActionForm):
    amount = forms.DecimalField(
        label=gettext_lazy("Amount I will pay"), max_digits=18, decimal_places=2, min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )  # fmt: skip
    due_date = forms.DateField(label=gettext_lazy("I will pay by"), widget=DateInput())


class PlanForm(ActionForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("What would help"),
        choices=[
            (ArrangementKind.INSTALMENTS.value, gettext_lazy("Pay in monthly instalments")),
            (ArrangementKind.DEFERRAL.value, gettext_lazy("Pay everything later, on one date")),
        ],
        widget=forms.RadioSelect,
        initial=ArrangementKind.INSTALMENTS.value,
    )
    months = forms.IntegerField(
        label=gettext_lazy("Number of monthly instalments"), min_value=1, max_value=360, required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )  # fmt: skip
    first_due = forms.DateField(
        label=gettext_lazy("First instalment on (optional)"), required=False, widget=DateInput()
    )
    due_date = forms.DateField(
        label=gettext_lazy("Pay everything by (for one later date)"), required=False, widget=DateInput()
    )
    reason = forms.CharField(
        label=gettext_lazy("Anything you want us to know (optional)"), required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == ArrangementKind.INSTALMENTS and not data.get("months"):
            self.add_error("months", _("Enter the number of instalments."))
        if data.get("kind") == ArrangementKind.DEFERRAL and not data.get("due_date"):
            self.add_error("due_date", _("Enter the date you can pay everything by."))
        return data


class HardshipForm(ActionForm):
    cause = forms.ChoiceField(label=gettext_lazy("What happened"), choices=HardshipCause.choices)
    since = forms.DateField(label=gettext_lazy("Since when"), widget=DateInput())
    expected_months = forms.IntegerField(
        label=gettext_lazy("How many months you expect it to last"), min_value=0, max_value=120
    )
    monthly_income = forms.DecimalField(
        label=gettext_lazy("Your household's monthly income"), max_digits=18, decimal_places=2, min_value=0
    )
    monthly_expenses = forms.DecimalField(
        label=gettext_lazy("Essential monthly expenses (rent, food, bills)"), max_digits=18, decimal_places=2,
        min_value=0,
    )  # fmt: skip
    other_debt_payments = forms.DecimalField(
        label=gettext_lazy("Monthly payments on other debts"), max_digits=18, decimal_places=2, min_value=0,
        initial=Decimal("0.00"),
    )  # fmt: skip
    dependants = forms.IntegerField(
        label=gettext_lazy("People who depend on you"), min_value=0, max_value=50, initial=0
    )
    notes = forms.CharField(
        label=gettext_lazy("Tell us more (optional)"), required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip


class DisputeForm(ActionForm):
    reason = forms.ChoiceField(label=gettext_lazy("What is wrong"), choices=DisputeReason.choices)
    description = forms.CharField(
        label=gettext_lazy("Explain what you dispute"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    documents = MultipleFileField(
        label=gettext_lazy("Documents that show it (optional)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.txt"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["documents"].help_text = _("PDF, JPEG, PNG or plain text; at most %(size)s each.") % {
            "size": filesizeformat(disputes.upload_limit())
        }
