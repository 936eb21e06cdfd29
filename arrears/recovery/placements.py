"""Agency placement (委外): place cases with an outside agency, export what it may see, recall, reconcile.

An agency receives only fields from `EXPORT_FIELDS` that it is entitled to (``Agency.entitled_fields``);
national IDs, birth dates, notes and anything else are never exported, whatever is configured.
Payments the agency collects are posted to the ledger like any other and kept as remittances with
the commission at the placement's rate, so the agency's statement can be reconciled against ours.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from arrears.casework.models import Case
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError, PermissionDenied
from arrears.core.money import exact_sum, round_money
from arrears.people.roles import Capability
from arrears.portfolio import ledger, payments
from arrears.portfolio.choices import ContactKind, DebtStatus, EntrySource, PaymentChannel
from arrears.recovery.models import (
    OPEN_REFERRAL_STATUSES,
    Agency,
    AgencyRemittance,
    LegalReferral,
    Placement,
    PlacementStatus,
)

ZERO = Decimal("0.00")


def _primary(case: Case, kind: str) -> str:
    points = [
        point for point in case.debtor.contact_points.all() if point.kind == kind and not point.do_not_contact
    ]
    points.sort(key=lambda point: (not point.is_primary, point.pk))
    return points[0].value if points else ""


# What an agency may ever receive, in export order; each reads one value from a case and its balance.
EXPORT_FIELDS: dict[str, Callable[[Case, ledger.Balances], object]] = {
    "reference": lambda case, _b: case.debt.external_ref,
    "debtor_name": lambda case, _b: case.debtor.name,
    "product": lambda case, _b: case.debt.product,
    "currency": lambda case, _b: case.debt.currency,
    "balance": lambda _c, balances: balances.total - balances.overpayment,
    "due_date": lambda case, _b: case.debt.due_date.isoformat(),
    "region": lambda case, _b: case.debtor.region,
    "phone": lambda case, _b: _primary(case, ContactKind.PHONE),
    "address": lambda case, _b: _primary(case, ContactKind.ADDRESS),
}
REQUIRED_FIELDS = ("reference", "balance", "currency")


class PlacementRefused(DomainError):
    """Cases that may not be placed (written off, in litigation, already placed) or an inactive agency."""


class InvalidRemittance(DomainError):
    """A remittance on a placement that is not with the agency."""


def export_fields(agency: Agency) -> list[str]:
    """Return the fields ``agency`` receives: the required ones and its entitled ones, never others."""
    wanted = set(agency.entitled_fields) | set(REQUIRED_FIELDS)
    return [name for name in EXPORT_FIELDS if name in wanted]


def _check_manager(actor: Any) -> None:
    if not actor.can(Capability.MANAGE_PLACEMENTS):
        raise PermissionDenied(_("Only a supervisor may place cases with agencies."))


def _refusal(case: Case, referred: set[int], placed: set[int]) -> str:
    if case.debt.status in (DebtStatus.WRITTEN_OFF, DebtStatus.SETTLED, DebtStatus.CLOSED):
        return _("%(ref)s is %(status)s") % {
            "ref": case.debt.external_ref,
            "status": case.debt.get_status_display(),
        }
    if case.pk in referred:
        return _("%(ref)s is in legal referral") % {"ref": case.debt.external_ref}
    if case.pk in placed:
        return _("%(ref)s is already with an agency") % {"ref": case.debt.external_ref}
    return ""


@transaction.atomic
def place_cases(*, agency: Agency, cases: Sequence[Case], actor: Any, now: datetime) -> list[Placement]:
    """Place ``cases`` with ``agency`` at its commission rate; all or none.

    :raises PlacementRefused: naming every case that cannot be placed, or for an inactive agency.
    """
    _check_manager(actor)
    if not agency.is_active:
        raise PlacementRefused(_("%(agency)s is not active.") % {"agency": agency.name})
    ids = [case.pk for case in cases]
    referred = set(LegalReferral.objects.filter(case_id__in=ids, status__in=OPEN_REFERRAL_STATUSES)
                   .values_list("case_id", flat=True))  # fmt: skip
    placed = set(Placement.objects.filter(case_id__in=ids, status=PlacementStatus.ACTIVE)
                 .values_list("case_id", flat=True))  # fmt: skip
    refusals = [text for case in cases if (text := _refusal(case, referred, placed))]
    if refusals or not cases:
        raise PlacementRefused(
            _("Nothing was placed: %(why)s.") % {"why": "; ".join(refusals) or _("no cases chosen")}
        )
    positions = ledger.list_positions(debts=[case.debt for case in cases], as_of=now.date())
    try:
        created = Placement.objects.bulk_create(
            Placement(
                agency=agency,
                case=case,
                status=PlacementStatus.ACTIVE,
                commission_rate=agency.commission_rate,
                balance=positions[case.debt_id].balances.total - positions[case.debt_id].balances.overpayment,
                currency=case.debt.currency,
                placed_by=actor,
                placed_at=now,
            )
            for case in cases
        )
    except IntegrityError:
        raise PlacementRefused(_("Another placement of these cases was just made; reload.")) from None
    record_event(
        actor=actor, action="recovery.place_cases", target=agency, now=now, portfolio_id=cases[0].portfolio_id,
        after={"cases": ids, "commission_rate": agency.commission_rate, "count": len(created)},
    )  # fmt: skip
    return created


@transaction.atomic
def recall_placement(*, placement_id: int, reason: str, actor: Any, now: datetime) -> Placement:
    """Take a case back from its agency, with the reason.

    :raises PlacementRefused: when it was recalled already or no reason is given.
    """
    _check_manager(actor)
    placement = Placement.objects.select_for_update().select_related("case").get(pk=placement_id)
    if placement.status != PlacementStatus.ACTIVE or not reason.strip():
        raise PlacementRefused(_("Give a reason; only a case still with the agency can be recalled."))
    placement.status, placement.recalled_by, placement.recalled_at = PlacementStatus.RECALLED, actor, now
    placement.recall_reason = reason.strip()
    placement.save()
    record_event(
        actor=actor, action="recovery.recall_placement", target=placement, now=now,
        portfolio_id=placement.case.portfolio_id, reason=reason.strip(),
    )  # fmt: skip
    return placement


def export_placements(*, agency: Agency, placements: Sequence[Placement], actor: Any, now: datetime) -> bytes:
    """Return the CSV (UTF-8 with BOM, for spreadsheet programs) the agency receives, and audit the export.

    :raises PermissionDenied: when the actor may not manage placements.
    """
    _check_manager(actor)
    fields = export_fields(agency)
    cases = [placement.case for placement in placements]
    positions = ledger.list_positions(debts=[case.debt for case in cases], as_of=now.date())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(fields)
    for case in cases:
        balances = positions[case.debt_id].balances
        writer.writerow([EXPORT_FIELDS[name](case, balances) for name in fields])
    with transaction.atomic():
        record_event(
            actor=actor, action="recovery.export_placements", target=agency, now=now,
            after={"fields": fields, "placements": [placement.pk for placement in placements]},
        )  # fmt: skip
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


@transaction.atomic
def record_remittance(
    *, placement_id: int, external_ref: str, amount: Decimal, received_date: date, actor: Any, now: datetime
) -> AgencyRemittance:
    """Post a payment the agency collected and keep it with the commission owed to the agency.

    :raises InvalidRemittance: when the money arrived while the case was not with the agency.
    :raises CurrencyMismatch, InvalidPaymentAmount, DuplicatePaymentReference: from the payment posting.
    """
    _check_manager(actor)
    placement = Placement.objects.select_for_update().select_related("case__debt").get(pk=placement_id)
    if received_date < placement.placed_at.date() or (
        placement.recalled_at is not None and received_date > placement.recalled_at.date()
    ):
        raise InvalidRemittance(_("The money arrived while the case was not with the agency."))
    payment = payments.record_payment(
        debt_id=placement.case.debt_id, external_ref=external_ref, amount=amount, currency=placement.currency,
        received_date=received_date, channel=PaymentChannel.OTHER, source=EntrySource.PAYMENT, actor=actor, now=now,
    )  # fmt: skip
    commission = round_money(amount * placement.commission_rate / Decimal(100), placement.currency)
    remittance, _created = AgencyRemittance.objects.get_or_create(
        payment=payment, defaults={"placement": placement, "amount": amount, "commission": commission,
                                   "recorded_by": actor, "recorded_at": now},
    )  # fmt: skip
    record_event(
        actor=actor, action="recovery.record_remittance", target=remittance, now=now,
        portfolio_id=placement.case.portfolio_id, after={"amount": amount, "commission": commission},
    )  # fmt: skip
    return remittance


@dataclass(frozen=True)
class Reconciliation:
    """What an agency collected in a period, the commission owed, and what comes to the creditor."""

    agency: Agency
    start: date
    end: date
    count: int
    collected: Decimal
    commission: Decimal

    @property
    def net(self) -> Decimal:
        return self.collected - self.commission


def reconcile(*, agency: Agency, start: date, end: date) -> Reconciliation:
    """Return the agency's remittances received from ``start`` to ``end`` (inclusive), totalled."""
    rows = AgencyRemittance.objects.filter(
        placement__agency=agency, payment__received_date__gte=start, payment__received_date__lte=end,
        payment__reversed_at__isnull=True,
    )  # fmt: skip
    totals = rows.aggregate(collected=Sum("amount"), commission=Sum("commission"))
    return Reconciliation(agency, start, end, rows.count(), exact_sum(totals["collected"]),
                          exact_sum(totals["commission"]))  # fmt: skip
