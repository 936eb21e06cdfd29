"""Read the portfolio for pages and the API: scoped to the user, personal data masked by role.

Every function takes the user and returns only what their granted portfolios hold; anything else
is :class:`~arrears.core.errors.NotFound`, so an interface cannot tell "absent" from "not yours".
Decisions a page shows (may this user verify, post a payment, see a phone number in full) are made
here, never in templates.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from arrears.core import masking
from arrears.core.audit.models import AuditEvent
from arrears.core.audit.verify import ChainReport, verify_chain
from arrears.core.errors import DomainError, NotFound, PermissionDenied
from arrears.core.money import exact_sum
from arrears.people.roles import Capability
from arrears.people.scoping import granted_portfolio_ids, scope_to_user
from arrears.portfolio import contact_values, ledger, verification
from arrears.portfolio.choices import (
    CHANNELS_BY_KIND,
    Channel,
    Component,
    ContactKind,
    DebtorKind,
    DebtStatus,
)
from arrears.portfolio.models import (
    ContactPerson,
    ContactPoint,
    Debt,
    Debtor,
    DebtorChange,
    LedgerEntry,
    Payment,
    Portfolio,
)
from arrears.portfolio.schedule import ScheduledInstalment

DEBTORS_PER_PAGE = 25
SEARCHABLE_KINDS = (ContactKind.PHONE, ContactKind.EMAIL)
VERIFIABLE_STATUSES = verification.VERIFIABLE_FROM
PAYABLE_STATUSES = frozenset(set(DebtStatus) - {DebtStatus.CLOSED})
_MASKS = {
    ContactKind.PHONE: masking.mask_phone,
    ContactKind.EMAIL: masking.mask_email,
    ContactKind.ADDRESS: masking.mask_street,
    "national_id": masking.mask_national_id,
}


@dataclass(frozen=True)
class Amount:
    """A sum of money in one currency, for display."""

    value: Decimal
    currency: str


@dataclass(frozen=True)
class PortfolioSummary:
    """A portfolio on the home page: how many debtors and debts, and what is outstanding."""

    portfolio: Portfolio
    debtor_count: int
    debt_count: int
    outstanding: list[Amount]


@dataclass(frozen=True)
class DebtRow:
    """A debt in a list: its position (balances, days past due, bucket) on the page's date."""

    debt: Debt
    position: ledger.DebtPosition


@dataclass(frozen=True)
class DebtorRow:
    """A debtor in a list, with the worst days past due and the sum outstanding across their debts."""

    debtor: Debtor
    debt_count: int
    days_past_due: int
    bucket: str
    outstanding: list[Amount]


@dataclass(frozen=True)
class ContactPointView:
    """A contact point with its value as this user may see it, consent and opt-outs by channel name."""

    point: ContactPoint
    display_value: str
    consent: list[tuple[str, bool]] = field(default_factory=list)
    opted_out: list[str] = field(default_factory=list)
    can_opt_out: list[tuple[str, str]] = field(default_factory=list)
    """(channel, label) the user may record an opt-out for."""
    can_resume: list[tuple[str, str]] = field(default_factory=list)
    """(channel, label) whose opt-out the user may withdraw."""
    can_lift: bool = False


@dataclass(frozen=True)
class DebtorView:
    """Everything the debtor page shows."""

    debtor: Debtor
    national_id: str
    national_id_label: str
    contact_persons: list[ContactPerson]
    contact_points: list[ContactPointView]
    changes: list[DebtorChange]
    debts: list[DebtRow]


@dataclass(frozen=True)
class DebtView:
    """Everything the debt page shows, with what this user may do to the debt."""

    debt: Debt
    as_of: date
    position: ledger.DebtPosition
    instalments: list[ScheduledInstalment]
    entries: list[LedgerEntry]
    discrepancies: list[verification.Discrepancy]
    can_verify: bool
    can_post_payment: bool
    payments: list[Payment] = field(default_factory=list)
    can_reverse_payments: bool = False
    components: list[tuple[str, Decimal]] = field(default_factory=list)
    """(translated component name, balance) in display order."""


def can_see_personal_data(user: Any) -> bool:
    """Return whether ``user`` may see personal data (phones, e-mails, IDs, addresses) in full."""
    return bool(user.can(Capability.SEE_PERSONAL_DATA))


def display_personal(user: Any, kind: str, value: str) -> str:
    """Return ``value`` as ``user`` may see it: in full, or masked for its ``kind``."""
    if not value or can_see_personal_data(user):
        return value
    mask = _MASKS.get(kind)
    return mask(value) if mask is not None else masking.MASK


def list_portfolios(*, user: Any) -> QuerySet[Portfolio]:
    """Return the portfolios ``user`` may see, by name."""
    return scope_to_user(Portfolio.objects.all(), user, portfolio_field="pk").order_by("name", "pk")


def get_portfolio(*, user: Any, portfolio_id: int) -> Portfolio:
    """Return one portfolio ``user`` may see.

    :raises NotFound: when it does not exist or is not granted to ``user``.
    """
    try:
        return list_portfolios(user=user).get(pk=portfolio_id)
    except Portfolio.DoesNotExist:
        raise NotFound(_("No such portfolio.")) from None


def list_portfolio_summaries(*, user: Any) -> list[PortfolioSummary]:
    """Return the user's portfolios with debtor and debt counts and the balance outstanding."""
    portfolios = list(list_portfolios(user=user))
    ids = [item.pk for item in portfolios]
    debtor_counts = _count_by_portfolio(Debtor.objects.filter(portfolio__in=ids))
    debt_counts = _count_by_portfolio(Debt.objects.filter(portfolio__in=ids))
    outstanding = _outstanding_by("debt__portfolio_id", LedgerEntry.objects.filter(debt__portfolio__in=ids))
    return [
        PortfolioSummary(
            portfolio=item,
            debtor_count=debtor_counts.get(item.pk, 0),
            debt_count=debt_counts.get(item.pk, 0),
            outstanding=outstanding.get(item.pk, []),
        )
        for item in portfolios
    ]


def _count_by_portfolio(rows: QuerySet[Any]) -> dict[int, int]:
    return dict(rows.values_list("portfolio_id").annotate(total=Count("pk")).order_by())


def search_debtors(*, user: Any, portfolio: Portfolio, query: str = "") -> QuerySet[Debtor]:
    """Return the portfolio's debtors matching ``query``, by name.

    A query matches a name or reference by substring, and a phone, e-mail or national ID exactly
    (through their keyed hashes, since the values are encrypted).
    """
    debtors = scope_to_user(Debtor.objects.filter(portfolio=portfolio), user)
    text = query.strip()
    if text:
        debtors = debtors.filter(_text_match(text) | _exact_match(text, portfolio.country))
    return debtors.order_by("name", "pk")


def list_debtor_rows(
    *, user: Any, portfolio: Portfolio, query: str, page_number: int | str | None, as_of: date
) -> tuple[Page[Debtor], list[DebtorRow]]:
    """Return one page of matching debtors and a row per debtor with days past due and balance."""
    page = Paginator(search_debtors(user=user, portfolio=portfolio, query=query), DEBTORS_PER_PAGE).get_page(
        page_number
    )
    debts = list(Debt.objects.filter(debtor__in=list(page.object_list)).order_by("pk"))
    positions = ledger.list_positions(debts=debts, as_of=as_of)
    by_debtor: dict[int, list[ledger.DebtPosition]] = defaultdict(list)
    for debt in debts:
        by_debtor[debt.debtor_id].append(positions[debt.pk])
    return page, [_debtor_row(debtor, by_debtor.get(debtor.pk, [])) for debtor in page.object_list]


def get_debtor(*, user: Any, debtor_id: int) -> Debtor:
    """Return one debtor ``user`` may see.

    :raises NotFound: when it does not exist or its portfolio is not granted to ``user``.
    """
    try:
        return scope_to_user(Debtor.objects.select_related("portfolio"), user).get(pk=debtor_id)
    except Debtor.DoesNotExist:
        raise NotFound(_("No such debtor.")) from None


def get_debtor_view(*, user: Any, debtor_id: int, as_of: date) -> DebtorView:
    """Return the debtor page's contents, personal data masked unless ``user`` may see it.

    :raises NotFound: when the debtor does not exist or is not in a portfolio granted to ``user``.
    """
    return debtor_view_of(user=user, debtor=get_debtor(user=user, debtor_id=debtor_id), as_of=as_of)


def debtor_view_of(*, user: Any, debtor: Debtor, as_of: date) -> DebtorView:
    """Return the debtor page's contents for a debtor already read through ``user``'s portfolios.

    A case page has the debtor from its case (``casework.queries.get_case`` scopes it).
    """
    debts = list(debtor.debts.order_by("due_date", "pk"))
    positions = ledger.list_positions(debts=debts, as_of=as_of)
    points = debtor.contact_points.select_related("contact_person").order_by("kind", "-is_primary", "pk")
    return DebtorView(
        debtor=debtor,
        national_id=display_personal(user, "national_id", debtor.national_id),
        national_id_label=_("Registration number") if debtor.kind == DebtorKind.COMPANY else _("National ID"),
        contact_persons=list(debtor.contact_persons.order_by("name", "pk")),
        contact_points=[_contact_point_view(user, point) for point in points],
        changes=list(debtor.changes.select_related("recorded_by").order_by("-recorded_at", "-pk")),
        debts=[DebtRow(debt, positions[debt.pk]) for debt in debts],
    )


def get_debt(*, user: Any, debt_id: int) -> Debt:
    """Return one debt ``user`` may see.

    :raises NotFound: when it does not exist or its portfolio is not granted to ``user``.
    """
    try:
        return scope_to_user(Debt.objects.select_related("debtor", "portfolio", "verified_by"), user).get(
            pk=debt_id
        )
    except Debt.DoesNotExist:
        raise NotFound(_("No such debt.")) from None


def get_debt_view(*, user: Any, debt_id: int, as_of: date) -> DebtView:
    """Return the debt page's contents on ``as_of`` and what ``user`` may do to the debt.

    :raises NotFound: when the debt does not exist or is not in a portfolio granted to ``user``.
    """
    debt = get_debt(user=user, debt_id=debt_id)
    position = ledger.get_position(debt=debt, as_of=as_of)
    discrepancies = verification.reconcile_debt(debt_id=debt.pk, as_of=as_of)
    return DebtView(
        debt=debt,
        as_of=as_of,
        position=position,
        instalments=ledger.get_schedule(debt=debt),
        entries=list(debt.entries.select_related("payment").order_by("effective_date", "posted_at", "pk")),
        discrepancies=discrepancies,
        can_verify=is_verifiable_by(user=user, debt=debt),
        can_post_payment=is_payable_by(user=user, debt=debt),
        payments=list(debt.payments.order_by("received_date", "pk")),
        can_reverse_payments=may_reverse_payments(user=user),
        components=[
            (str(Component(key).label), amount) for key, amount in position.balances.components.items()
        ],
    )


def is_verifiable_by(*, user: Any, debt: Debt) -> bool:
    """Return whether ``user`` may verify ``debt`` now (their role and the debt's status allow it)."""
    return bool(user.can(Capability.VERIFY_DEBTS)) and debt.status in VERIFIABLE_STATUSES


def is_payable_by(*, user: Any, debt: Debt) -> bool:
    """Return whether ``user`` may record a payment on ``debt`` (role and debt status allow it)."""
    return bool(user.can(Capability.POST_PAYMENTS)) and debt.status in PAYABLE_STATUSES


def get_payment(*, user: Any, payment_id: int) -> Payment:
    """Return one payment in a portfolio ``user`` may see.

    :raises NotFound: when it does not exist or is outside the user's portfolios.
    """
    try:
        return scope_to_user(Payment.objects.select_related("debt__portfolio"), user).get(pk=payment_id)
    except Payment.DoesNotExist:
        raise NotFound(_("No such payment.")) from None


def may_reverse_payments(*, user: Any) -> bool:
    """Return whether ``user`` may reverse a payment that did not arrive (supervisors)."""
    return bool(user.can(Capability.REVERSE_PAYMENTS))


def may_import(*, user: Any) -> bool:
    """Return whether ``user`` may load debt and payment files into their portfolios."""
    return bool(user.can(Capability.IMPORT_PORTFOLIO))


def may_lift_contact_restrictions(*, user: Any) -> bool:
    """Return whether ``user`` may withdraw an opt-out or a do-not-contact (supervisors, compliance)."""
    return bool(user.can(Capability.LIFT_CONTACT_RESTRICTIONS))


def _contact_point_view(user: Any, point: ContactPoint) -> ContactPointView:
    can_lift = may_lift_contact_restrictions(user=user)
    channels = CHANNELS_BY_KIND[point.kind]
    return ContactPointView(
        point=point,
        display_value=display_personal(user, point.kind, point.value),
        consent=[(_channel_label(channel), bool(given)) for channel, given in sorted(point.consent.items())],
        opted_out=[_channel_label(channel) for channel, opted in sorted(point.opt_outs.items()) if opted],
        can_opt_out=[
            (channel, _channel_label(channel)) for channel in channels if channel not in point.opt_outs
        ],
        can_resume=[
            (channel, _channel_label(channel))
            for channel in channels
            if can_lift and channel in point.opt_outs
        ],
        can_lift=can_lift,
    )


def get_contact_point(*, user: Any, point_id: int) -> ContactPoint:
    """Return one contact point of a debtor ``user`` may see.

    :raises NotFound: when it does not exist or its debtor is outside the user's portfolios.
    """
    points = scope_to_user(
        ContactPoint.objects.select_related("debtor"), user, portfolio_field="debtor__portfolio"
    )
    try:
        return points.get(pk=point_id)
    except ContactPoint.DoesNotExist:
        raise NotFound(_("No such contact point.")) from None


def _channel_label(channel: str) -> str:
    return str(Channel(channel).label) if channel in Channel.values else channel


def _text_match(text: str) -> Q:
    return Q(name__icontains=text) | Q(external_ref__icontains=text)


def _exact_match(text: str, country: str) -> Q:
    """Match ``text`` exactly as a phone, e-mail or national ID, whichever it can be read as."""
    hashes = set()
    for kind, normalize in (
        (ContactKind.PHONE, lambda raw: contact_values.normalize_phone(raw, country)),
        (ContactKind.EMAIL, contact_values.normalize_email),
    ):
        try:
            hashes.add(contact_values.lookup_hash_for(kind, normalize(text)))
        except DomainError:
            continue
    national_id = contact_values.normalize_national_id(text)
    matched = Q(national_id_hash=contact_values.lookup_hash_for("national_id", national_id))
    if hashes:
        points = ContactPoint.objects.filter(kind__in=SEARCHABLE_KINDS, value_hash__in=hashes)
        matched |= Q(pk__in=points.values("debtor_id"))
    return matched


def _outstanding_by(key: str, entries: QuerySet[LedgerEntry]) -> dict[int, list[Amount]]:
    rows = (
        entries.filter(component__in=ledger.OWED_COMPONENTS)
        .values_list(key, "debt__currency")
        .annotate(total=Sum("amount"))
        .order_by(key, "debt__currency")
    )
    totals: dict[int, list[Amount]] = defaultdict(list)
    for owner, currency, total in rows:
        totals[owner].append(Amount(exact_sum(total), currency))
    return totals


def _debtor_row(debtor: Debtor, positions: list[ledger.DebtPosition]) -> DebtorRow:
    worst = max((item.days_past_due for item in positions), default=0)
    sums: dict[str, Decimal] = defaultdict(lambda: ledger.ZERO)
    for item in positions:
        sums[item.balances.currency] += item.balances.total
    return DebtorRow(
        debtor=debtor,
        debt_count=len(positions),
        days_past_due=worst,
        bucket=next((item.bucket for item in positions if item.days_past_due == worst), "current"),
        outstanding=[Amount(total, currency) for currency, total in sorted(sums.items())],
    )


def list_audit_events(
    *,
    user: Any,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    portfolio_id: int | None = None,
) -> QuerySet[AuditEvent]:
    """Return the audit events ``user`` may read, newest first, filtered by the given fields.

    Users who see every portfolio also see events outside any portfolio; others only the events of
    their granted portfolios.

    :raises PermissionDenied: when ``user`` may not read the audit log.
    """
    if not user.can(Capability.READ_AUDIT):
        raise PermissionDenied(_("You may not read the audit log."))
    granted = granted_portfolio_ids(user)
    events = (
        AuditEvent.objects.all() if granted is None else AuditEvent.objects.filter(portfolio_id__in=granted)
    )
    filters = {
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "portfolio_id": portfolio_id,
    }
    return events.filter(
        **{name: value for name, value in filters.items() if value not in ("", None)}
    ).order_by("-sequence")


def get_chain_report(*, user: Any) -> ChainReport:
    """Return whether the audit chain is intact, walking every event.

    :raises PermissionDenied: when ``user`` may not read the audit log.
    """
    if not user.can(Capability.READ_AUDIT):
        raise PermissionDenied(_("You may not read the audit log."))
    return verify_chain()


def list_audit_actions(*, user: Any) -> list[str]:
    """Return the distinct actions in the events ``user`` may read, for a filter's choices."""
    events = list_audit_events(user=user).order_by("action").values_list("action", flat=True).distinct()
    return list(events)
