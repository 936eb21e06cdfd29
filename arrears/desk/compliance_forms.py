"""Forms of a debtor's contact page: place or lift a hold, log a contact."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from arrears.comms.models import Purpose
from arrears.compliance.models import EVENT_LABELS, HOLD_LABELS, OUTCOME_LABELS
from arrears.portfolio.models import Debtor


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


def _choices(labels: dict[Any, Any]) -> list[tuple[str, Any]]:
    return [(key.value, label) for key, label in labels.items()]


class _DebtorForm(forms.Form):
    """A form whose choices are one debtor's debts, contact persons and contact points."""

    def __init__(self, *args: Any, debtor: Debtor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.debtor = debtor
        debts = [
            (str(debt.pk), f"{debt.external_ref} ({debt.get_product_display()})")
            for debt in debtor.debts.order_by("pk")
        ]
        persons = [(str(person.pk), str(person)) for person in debtor.contact_persons.order_by("pk")]
        if "debt" in self.fields:
            self.fields["debt"].choices = [("", _("All debts")), *debts]  # type: ignore[attr-defined]
        if "contact_person" in self.fields:
            self.fields["contact_person"].choices = [("", _("The debtor")), *persons]  # type: ignore[attr-defined]


class HoldForm(_DebtorForm):
    type = forms.ChoiceField(label=_("Hold"), choices=_choices(HOLD_LABELS))
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    starts_at = forms.DateTimeField(label=_("Starts at"), required=False, widget=DateTimeInput(),
                                    help_text=_("Empty: now."))  # fmt: skip
    ends_at = forms.DateTimeField(label=_("Ends at"), required=False, widget=DateTimeInput(),
                                  help_text=_("Empty: until lifted."))  # fmt: skip
    debt = forms.ChoiceField(label=_("Debt"), required=False)
    contact_person = forms.ChoiceField(label=_("Person"), required=False)


class LiftHoldForm(forms.Form):
    reason = forms.CharField(label=_("Why lift it"), max_length=2000)


class ContactLogForm(_DebtorForm):
    type = forms.ChoiceField(label=_("Contact"), choices=_choices(EVENT_LABELS))
    contact_point = forms.ChoiceField(label=_("Contact point"), required=False)
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", "—"), *_choices(OUTCOME_LABELS)]
    )
    occurred_at = forms.DateTimeField(
        label=_("When"), required=False, widget=DateTimeInput(), help_text=_("Empty: now.")
    )
    debt = forms.ChoiceField(label=_("About debt"), required=False)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    with_consent = forms.BooleanField(label=_("Placed with the person's prior consent"), required=False)
    reviewed = forms.BooleanField(label=_("I reviewed the flagged pattern"), required=False)

    def __init__(
        self, *args: Any, debtor: Debtor, point_labels: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, debtor=debtor, **kwargs)
        self.fields["contact_point"].choices = [("", "—"), *point_labels]  # type: ignore[attr-defined]


class SendMessageForm(_DebtorForm):
    """Send a templated message about one debt to one contact point (its channel follows the point)."""

    contact_point = forms.ChoiceField(label=_("Contact point"))
    purpose = forms.ChoiceField(label=_("Message"), choices=Purpose.choices)
    debt = forms.ChoiceField(label=_("About debt"))

    def __init__(
        self, *args: Any, debtor: Debtor, point_labels: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, debtor=debtor, **kwargs)
        self.fields["contact_point"].choices = point_labels  # type: ignore[attr-defined]
        debts = [
            (str(debt.pk), f"{debt.external_ref} ({debt.get_product_display()})")
            for debt in debtor.debts.order_by("pk")
        ]
        self.fields["debt"].choices = debts  # type: ignore[attr-defined]
