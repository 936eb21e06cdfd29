"""The forms of the recovery pages: visits, referrals and litigation, placements, settlements, write-offs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from arrears.core.upload_fields import MultipleFileField, MultipleFileInput
from arrears.recovery.models import ClosureReason, PlaceKind, SafetyFlag, VisitOutcome

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"})


class ScheduleVisitForm(forms.Form):
    agent = forms.ChoiceField(label=_("Field agent"))
    companion = forms.ChoiceField(label=_("Second agent"), required=False)
    scheduled_for = forms.DateTimeField(label=_("When (your time)"), widget=DATETIME)
    place_kind = forms.ChoiceField(label=_("Place"), choices=PlaceKind.choices)
    address = forms.ChoiceField(label=_("Address"), required=False)
    area = forms.CharField(label=_("Area"), max_length=100, required=False)
    purpose = forms.CharField(
        label=_("Purpose"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    source = forms.ChoiceField(
        choices=[("collector", "collector"), ("strategy", "strategy")],
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(
        self, *args: Any, agents: list[tuple[str, str]], addresses: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = agents  # type: ignore[attr-defined]
        self.fields["companion"].choices = [("", "—"), *agents]  # type: ignore[attr-defined]
        self.fields["address"].choices = [("", "—"), *addresses]  # type: ignore[attr-defined]


class CheckInForm(forms.Form):
    identification_shown = forms.BooleanField(label=_("I showed my identification"), required=False)
    latitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput)
    longitude = forms.DecimalField(max_digits=9, decimal_places=6, required=False, widget=forms.HiddenInput)


class CheckOutForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=VisitOutcome.choices)
    notes = forms.CharField(
        label=_("Notes"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    safety_flags = forms.MultipleChoiceField(
        label=_("Safety flags"),
        choices=SafetyFlag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    promise_amount = forms.DecimalField(
        label=_("Promise: amount"), max_digits=18, decimal_places=2, required=False
    )
    promise_date = forms.DateField(label=_("Promise: by"), required=False, widget=DATE)
    documents = MultipleFileField(
        label=_("Photos and documents"), required=False,
        widget=MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.txt", "capture": "environment"}),
    )  # fmt: skip


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ApproveReferralForm(forms.Form):
    capacity = forms.ChoiceField(label=_("Approve as"))
    comment = forms.CharField(label=_("Comment"), max_length=2000, required=False)


class FilingForm(forms.Form):
    firm = forms.CharField(label=_("Law firm"), max_length=200)
    court = forms.CharField(label=_("Court"), max_length=200)
    court_case_number = forms.CharField(label=_("Court case number"), max_length=100)
    filed_on = forms.DateField(label=_("Filed on"), widget=DATE)


class HearingForm(forms.Form):
    held_at = forms.DateTimeField(label=_("Hearing at"), widget=DATETIME)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class JudgmentForm(forms.Form):
    judgment_on = forms.DateField(label=_("Judgment on"), widget=DATE)
    amount = forms.DecimalField(label=_("Amount awarded"), max_digits=18, decimal_places=2, min_value=0)
    costs = forms.DecimalField(label=_("Costs awarded"), max_digits=18, decimal_places=2, min_value=0)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class SettlementForm(forms.Form):
    amount = forms.DecimalField(label=_("Settle for"), max_digits=18, decimal_places=2)
    pay_by = forms.DateField(label=_("Paid by"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)


class WriteOffForm(forms.Form):
    closure_reason = forms.ChoiceField(label=_("Closure reason"), choices=ClosureReason.choices)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    comment = forms.CharField(label=_("Comment"), max_length=2000, required=False)


class MoneyReceivedForm(forms.Form):
    external_ref = forms.CharField(label=_("Payment reference"), max_length=64)
    amount = forms.DecimalField(label=_("Amount"), max_digits=18, decimal_places=2)
    received_date = forms.DateField(label=_("Received on"), widget=DATE)


class PlaceCasesForm(forms.Form):
    references = forms.CharField(
        label=_("Debt references, one a line"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000
    )

    def reference_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["references"].splitlines() if line.strip()]


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("To"), widget=DATE)
