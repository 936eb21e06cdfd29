"""What the portal shows one debtor: only their own debts, payments, cases and contact points.

Every read starts from the debtor of the session; a case, debt or contact point of anyone else is
`NotFound`, exactly as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from arrears.casework.arrangements import OPEN_STATUSES
from arrears.casework.models import Arrangement, Case, Dispute, DisputeStatus, Promise, PromiseStatus
from arrears.comms.variables import NEUTRAL_TEXTS, account_tail
from arrears.core import masking
from arrears.core.errors import NotFound
from arrears.portfolio import ledger
from arrears.portfolio.choices import CHANNELS_BY_KIND, Channel, Component, ContactKind
from arrears.portfolio.models import ContactPoint, Debt, Debtor, Payment

COMPONENT_ORDER = (Component.PRINCIPAL, Component.INTEREST, Component.PENALTY, Component.FEE)
PAYMENTS_SHOWN = 24


@dataclass(frozen=True)
class DebtSummary:
    """One debt as the debtor sees it: what it is, what it owes by component, and its open matters."""

    debt: Debt
    case: Case | None
    components: list[tuple[str, Decimal]]
    total: Decimal
    days_past_due: int
    open_promise: Promise | None
    open_arrangement: Arrangement | None
    open_disputes: list[Dispute]
    payment_url: str

    @property
    def account_tail(self) -> str:
        return account_tail(self.debt.external_ref)

    @property
    def may_act(self) -> bool:
        """Whether there is something to promise or arrange: a case and a balance."""
        return self.case is not None and self.total > 0


@dataclass(frozen=True)
class ChannelChoice:
    point_id: int
    channel: str
    label: str
    allowed: bool


@dataclass(frozen=True)
class ContactPointRow:
    point: ContactPoint
    masked_value: str
    channels: list[ChannelChoice] = field(default_factory=list)


def get_case(*, debtor: Debtor, case_id: int) -> Case:
    """Return one of the debtor's cases.

    :raises NotFound: when the case does not exist or is another debtor's.
    """
    try:
        return Case.objects.select_related("debt", "debtor", "portfolio").get(pk=case_id, debtor=debtor)
    except Case.DoesNotExist:
        raise NotFound(_("No such account.")) from None


def list_debts(*, debtor: Debtor, as_of: date) -> list[DebtSummary]:
    """Return the debtor's debts with their balances on ``as_of`` and open matters (a fixed number of queries)."""
    debts = list(Debt.objects.filter(debtor=debtor).order_by("contract_date", "pk"))
    positions = ledger.list_positions(debts=debts, as_of=as_of)
    cases = {case.debt_id: case for case in Case.objects.filter(debtor=debtor)}
    promises = {
        promise.case_id: promise
        for promise in Promise.objects.filter(case__debtor=debtor, status=PromiseStatus.OPEN).order_by("pk")
    }
    arrangements = {
        arrangement.case_id: arrangement
        for arrangement in Arrangement.objects.filter(case__debtor=debtor, status__in=OPEN_STATUSES).order_by(
            "pk"
        )
    }
    disputes: dict[int, list[Dispute]] = {}
    for dispute in Dispute.objects.filter(case__debtor=debtor, status=DisputeStatus.OPEN).order_by("pk"):
        disputes.setdefault(dispute.case_id, []).append(dispute)
    rows = []
    for debt in debts:
        position = positions[debt.pk]
        owed = position.balances.components
        case = cases.get(debt.pk)
        case_id = case.pk if case else 0
        rows.append(
            DebtSummary(
                debt=debt, case=case,
                components=[(str(Component(key).label), owed.get(key, Decimal("0.00"))) for key in COMPONENT_ORDER],
                total=position.balances.total, days_past_due=position.days_past_due,
                open_promise=promises.get(case_id), open_arrangement=arrangements.get(case_id),
                open_disputes=disputes.get(case_id, []),
                payment_url=payment_url(debt=debt, amount=position.balances.total),
            )
        )  # fmt: skip
    return rows


def list_payments(*, debtor: Debtor) -> list[Payment]:
    """Return the debtor's latest payments on all debts, newest first."""
    return list(
        Payment.objects.filter(debt__debtor=debtor)
        .select_related("debt")
        .order_by("-received_date", "-pk")[:PAYMENTS_SHOWN]
    )


def payment_url(*, debt: Debt, amount: Decimal) -> str:
    """Return the payment provider's page for the debt (``ARREARS_PORTAL_PAYMENT_URL``), or "" when none is set."""
    template = str(getattr(settings, "ARREARS_PORTAL_PAYMENT_URL", "")).strip()
    if not template or amount <= 0:
        return ""
    return template.format(reference=debt.external_ref, amount=amount, currency=debt.currency)


def creditor_texts(language: str) -> dict[str, str]:
    """Return the designated payment channels and the creditor's contact, as messages name them."""
    key = "zh" if language.startswith("zh") else "en"
    texts = {}
    for name in ("ARREARS_PAYMENT_CHANNELS", "ARREARS_CREDITOR_CONTACT"):
        value = getattr(settings, name, "")
        if isinstance(value, dict):
            value = value.get(key, "")
        texts[name] = str(value).strip() or NEUTRAL_TEXTS[name][key]
    return texts


def list_contact_points(*, debtor: Debtor) -> list[ContactPointRow]:
    """Return the debtor's own contact points (masked) with each channel and whether it may be used."""
    points = ContactPoint.objects.filter(debtor=debtor, contact_person__isnull=True).order_by("kind", "pk")
    return [
        ContactPointRow(
            point=point,
            masked_value=_masked(point),
            channels=[
                ChannelChoice(point.pk, channel, str(Channel(channel).label), channel not in point.opt_outs)
                for channel in CHANNELS_BY_KIND[point.kind]
            ],
        )
        for point in points
        if point.kind in CHANNELS_BY_KIND
    ]


def get_contact_point(*, debtor: Debtor, point_id: int) -> ContactPoint:
    """Return one of the debtor's own contact points.

    :raises NotFound: when it does not exist or is someone else's.
    """
    try:
        return ContactPoint.objects.get(pk=point_id, debtor=debtor, contact_person__isnull=True)
    except ContactPoint.DoesNotExist:
        raise NotFound(_("No such contact detail.")) from None


def _masked(point: ContactPoint) -> str:
    if point.kind == ContactKind.PHONE:
        return masking.mask_phone(point.value)
    if point.kind == ContactKind.EMAIL:
        return masking.mask_email(point.value)
    if point.kind == ContactKind.ADDRESS:
        return masking.mask_street(point.value)
    return str(point.get_kind_display())
