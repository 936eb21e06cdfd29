"""Read debtors and debts, post payments and verify debts over the API, scoped like the pages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from arrears.core.errors import NotFound, PermissionDenied
from arrears.people.roles import Capability
from arrears.portfolio import contacts, debtors, payments, queries, verification
from arrears.portfolio.choices import ChangeCategory, Channel, EntrySource, PaymentChannel
from arrears.portfolio.models import ContactPoint, Portfolio

router = Router(tags=["portfolio"])


class MoneyOut(Schema):
    amount: Decimal
    currency: str


class PortfolioOut(Schema):
    code: str
    name: str
    creditor_name: str
    debtor_count: int
    debt_count: int
    outstanding: list[MoneyOut]


class DebtorRowOut(Schema):
    id: int
    external_ref: str
    name: str
    kind: str
    debt_count: int
    days_past_due: int
    bucket: str
    outstanding: list[MoneyOut]


class DebtorPageOut(Schema):
    page: int
    pages: int
    count: int
    results: list[DebtorRowOut]


class ContactPointOut(Schema):
    id: int
    kind: str
    value: str
    verified: bool
    do_not_contact: bool
    consent: dict[str, bool]
    opt_outs: dict[str, str]
    time_zones: list[str]


class DebtSummaryOut(Schema):
    id: int
    external_ref: str
    product: str
    status: str
    currency: str
    balance: Decimal
    days_past_due: int
    bucket: str


class DebtorOut(Schema):
    id: int
    external_ref: str
    name: str
    kind: str
    national_id: str
    region: str
    contact_points: list[ContactPointOut]
    debts: list[DebtSummaryOut]


class InstalmentOut(Schema):
    number: int
    due_date: date
    principal_due: Decimal
    interest_due: Decimal


class EntryOut(Schema):
    kind: str
    component: str
    amount: Decimal
    effective_date: date
    source: str


class DebtOut(Schema):
    id: int
    external_ref: str
    debtor_id: int
    product: str
    status: str
    currency: str
    principal: Decimal
    contract_date: date
    due_date: date
    as_of: date
    balances: dict[str, Decimal]
    overpayment: Decimal
    total: Decimal
    days_past_due: int
    bucket: str
    discrepancies: list[str]
    instalments: list[InstalmentOut]
    entries: list[EntryOut]


class PaymentIn(Schema):
    external_ref: str
    amount: Decimal
    currency: str
    received_date: date
    channel: PaymentChannel = PaymentChannel.BANK_TRANSFER


class DebtorChangeIn(Schema):
    category: ChangeCategory
    description: str
    occurred_date: date | None = None


class DebtorChangeOut(Schema):
    id: int
    category: str
    description: str
    occurred_date: date | None
    recorded_at: datetime


class OptOutIn(Schema):
    channel: Channel
    reason: str = ""


class ReversalIn(Schema):
    reason: str


class ErrorOut(Schema):
    detail: str


def _money(amounts: list[queries.Amount]) -> list[MoneyOut]:
    return [MoneyOut(amount=item.value, currency=item.currency) for item in amounts]


def _portfolio(request: HttpRequest, code: str) -> Portfolio:
    try:
        return queries.list_portfolios(user=request.user).get(code=code)
    except Portfolio.DoesNotExist:
        raise NotFound(_("No such portfolio.")) from None


def _require(request: HttpRequest, capability: Capability) -> None:
    if not request.user.can(capability):  # type: ignore[union-attr]
        raise PermissionDenied(_("You may not do this."))


@router.get("/portfolios", response=list[PortfolioOut])
def list_portfolios(request: HttpRequest) -> list[PortfolioOut]:
    """List the portfolios granted to you, with counts and the balance outstanding."""
    return [
        PortfolioOut(
            code=item.portfolio.code,
            name=item.portfolio.name,
            creditor_name=item.portfolio.creditor_name,
            debtor_count=item.debtor_count,
            debt_count=item.debt_count,
            outstanding=_money(item.outstanding),
        )
        for item in queries.list_portfolio_summaries(user=request.user)
    ]


@router.get("/portfolios/{code}/debtors", response={200: DebtorPageOut, 404: ErrorOut})
def list_debtors(request: HttpRequest, code: str, q: str = "", page: int = 1) -> DebtorPageOut:
    """Search a portfolio's debtors by name or reference, or exactly by phone, e-mail or national ID."""
    portfolio = _portfolio(request, code)
    found, rows = queries.list_debtor_rows(
        user=request.user, portfolio=portfolio, query=q, page_number=page, as_of=timezone.localdate()
    )
    return DebtorPageOut(
        page=found.number,
        pages=found.paginator.num_pages,
        count=found.paginator.count,
        results=[
            DebtorRowOut(
                id=row.debtor.pk,
                external_ref=row.debtor.external_ref,
                name=row.debtor.name,
                kind=row.debtor.kind,
                debt_count=row.debt_count,
                days_past_due=row.days_past_due,
                bucket=row.bucket,
                outstanding=_money(row.outstanding),
            )
            for row in rows
        ],
    )


@router.get("/debtors/{debtor_id}", response={200: DebtorOut, 404: ErrorOut})
def get_debtor(request: HttpRequest, debtor_id: int) -> DebtorOut:
    """Show a debtor with contact points (masked unless you may see personal data) and debts."""
    view = queries.get_debtor_view(user=request.user, debtor_id=debtor_id, as_of=timezone.localdate())
    return DebtorOut(
        id=view.debtor.pk,
        external_ref=view.debtor.external_ref,
        name=view.debtor.name,
        kind=view.debtor.kind,
        national_id=view.national_id,
        region=view.debtor.region,
        contact_points=[_contact_point_out(item.point, item.display_value) for item in view.contact_points],
        debts=[
            DebtSummaryOut(
                id=row.debt.pk,
                external_ref=row.debt.external_ref,
                product=row.debt.product,
                status=row.debt.status,
                currency=row.debt.currency,
                balance=row.position.balances.total,
                days_past_due=row.position.days_past_due,
                bucket=row.position.bucket,
            )
            for row in view.debts
        ],
    )


@router.post("/debtors/{debtor_id}/changes", response={201: DebtorChangeOut, 404: ErrorOut, 422: ErrorOut})
def record_debtor_change(
    request: HttpRequest, debtor_id: int, payload: DebtorChangeIn
) -> Status[DebtorChangeOut]:
    """Record a material change in the debtor's circumstances (job loss, illness, business downturn …)."""
    debtor = queries.get_debtor(user=request.user, debtor_id=debtor_id)
    change = debtors.record_debtor_change(
        debtor_id=debtor.pk,
        category=payload.category,
        description=payload.description,
        occurred_date=payload.occurred_date,
        actor=request.user,
        now=timezone.now(),
    )
    return Status(
        201,
        DebtorChangeOut(
            id=change.pk,
            category=change.category,
            description=change.description,
            occurred_date=change.occurred_date,
            recorded_at=change.recorded_at,
        ),
    )


@router.post(
    "/contact-points/{point_id}/opt-outs", response={200: ContactPointOut, 404: ErrorOut, 422: ErrorOut}
)
def record_opt_out(request: HttpRequest, point_id: int, payload: OptOutIn) -> ContactPointOut:
    """Stop using a channel of a contact point from now (the debtor replied STOP / 退订). Idempotent."""
    point = queries.get_contact_point(user=request.user, point_id=point_id)
    contacts.record_opt_out(
        point_id=point.pk,
        channel=payload.channel,
        actor=request.user,
        now=timezone.now(),
        reason=payload.reason,
    )
    point.refresh_from_db()
    return _contact_point_out(point, queries.display_personal(request.user, point.kind, point.value))


@router.get("/debts/{debt_id}", response={200: DebtOut, 404: ErrorOut})
def get_debt(request: HttpRequest, debt_id: int, as_of: date | None = None) -> DebtOut:
    """Show a debt: terms, schedule, ledger, balances, days past due and discrepancies on ``as_of``."""
    view = queries.get_debt_view(user=request.user, debt_id=debt_id, as_of=as_of or timezone.localdate())
    return _debt_out(view)


@router.post(
    "/debts/{debt_id}/payments", response={201: DebtOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
)
def post_payment(request: HttpRequest, debt_id: int, payload: PaymentIn) -> Status[DebtOut]:
    """Post a payment; it is allocated in the portfolio's order. The same reference posts once."""
    debt = queries.get_debt(user=request.user, debt_id=debt_id)
    _require(request, Capability.POST_PAYMENTS)
    payments.record_payment(
        debt_id=debt.pk,
        external_ref=payload.external_ref,
        amount=payload.amount,
        currency=payload.currency,
        received_date=payload.received_date,
        channel=payload.channel,
        source=EntrySource.API,
        actor=request.user,
        now=timezone.now(),
    )
    return Status(201, _debt_today(request, debt.pk))


@router.post("/payments/{payment_id}/reverse", response={200: DebtOut, 403: ErrorOut, 404: ErrorOut})
def reverse_payment(request: HttpRequest, payment_id: int, payload: ReversalIn) -> DebtOut:
    """Reverse a payment that did not arrive; what it settled is owed again. Reversing twice is harmless."""
    payment = queries.get_payment(user=request.user, payment_id=payment_id)
    _require(request, Capability.REVERSE_PAYMENTS)
    payments.reverse_payment(
        payment_id=payment.pk, reason=payload.reason, actor=request.user, now=timezone.now()
    )
    return _debt_today(request, payment.debt_id)


@router.post("/debts/{debt_id}/verify", response={200: DebtOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def verify_debt(request: HttpRequest, debt_id: int) -> DebtOut:
    """Verify a debt whose records reconcile; 422 lists the discrepancies otherwise."""
    debt = queries.get_debt(user=request.user, debt_id=debt_id)
    _require(request, Capability.VERIFY_DEBTS)
    verification.verify_debt(debt_id=debt.pk, actor=request.user, now=timezone.now())
    return _debt_today(request, debt.pk)


def _contact_point_out(point: ContactPoint, display_value: str) -> ContactPointOut:
    return ContactPointOut(
        id=point.pk,
        kind=point.kind,
        value=display_value,
        verified=point.verified,
        do_not_contact=point.do_not_contact,
        consent=point.consent,
        opt_outs=point.opt_outs,
        time_zones=point.time_zones,
    )


def _debt_today(request: HttpRequest, debt_id: int) -> DebtOut:
    return _debt_out(queries.get_debt_view(user=request.user, debt_id=debt_id, as_of=timezone.localdate()))


def _debt_out(view: queries.DebtView) -> DebtOut:
    debt, position = view.debt, view.position
    return DebtOut(
        id=debt.pk,
        external_ref=debt.external_ref,
        debtor_id=debt.debtor_id,
        product=debt.product,
        status=debt.status,
        currency=debt.currency,
        principal=debt.principal,
        contract_date=debt.contract_date,
        due_date=debt.due_date,
        as_of=view.as_of,
        balances=dict(position.balances.components),
        overpayment=position.balances.overpayment,
        total=position.balances.total,
        days_past_due=position.days_past_due,
        bucket=position.bucket,
        discrepancies=[item.message for item in view.discrepancies],
        instalments=[
            InstalmentOut(
                number=item.number,
                due_date=item.due_date,
                principal_due=item.principal_due,
                interest_due=item.interest_due,
            )
            for item in view.instalments
        ],
        entries=[
            EntryOut(
                kind=item.kind,
                component=item.component,
                amount=item.amount,
                effective_date=item.effective_date,
                source=item.source,
            )
            for item in view.entries
        ],
    )
