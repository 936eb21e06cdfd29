"""The demo's recovery: field visits, a legal referral, an agency placement, a settlement and a write-off.

In the first Chinese consumer portfolio: four visits for the ``field`` user with ``collector`` as
the second agent (one completed and one checked in yesterday, two planned for the business date in
route order), a referral waiting for approval and an approved one with its evidence bundle, cases
placed with an agency with one remittance, a settlement offer waiting for approval, and a debt
written off with a recovery after it. Without the demo users, or when already loaded, it adds nothing.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from arrears.casework.models import Case, Dispute
from arrears.core.errors import DomainError
from arrears.people.models import User
from arrears.portfolio import ledger, verification
from arrears.portfolio.choices import ContactKind, DebtStatus
from arrears.portfolio.models import Portfolio
from arrears.recovery import bundles, placements, referrals, settlements, visits, write_offs
from arrears.recovery.models import Agency, Visit, VisitOutcome

PORTFOLIO = "cn-consumer"
USERS = ("field", "collector", "supervisor", "compliance", "admin")
AREAS = ("浦东 Pudong", "徐汇 Xuhui", "静安 Jing'an")


def add_recovery(portfolios: list[Portfolio], *, seed: int, as_of: date, now: datetime) -> None:
    """Add the demo's recovery data to ``portfolios``."""
    portfolio = next((item for item in portfolios if item.code == PORTFOLIO), None)
    users = {user.username: user for user in User.objects.filter(username__in=USERS)}
    if (
        portfolio is None
        or len(users) < len(USERS)
        or Visit.objects.filter(case__portfolio=portfolio).exists()
    ):
        return
    draw = random.Random(f"{seed}:recovery")
    cases = _candidates(portfolio, draw)
    _add_visits(cases, users, portfolio, as_of=as_of, now=now)
    _add_referrals(cases, users, now=now)
    _add_placement(cases, users, now=now)
    _add_settlement(cases, users, now=now)
    _add_write_off(cases, users, now=now)


def _candidates(portfolio: Portfolio, draw: random.Random) -> Iterator[Case]:
    """Yield open cases with a postal address and no dispute, in a seeded order, each once.

    Only the ids are read and shuffled; each case is read when it is taken (callers take a few).
    """
    disputed = set(Dispute.objects.filter(case__portfolio=portfolio).values_list("case_id", flat=True))
    ids = list(
        Case.objects.filter(
            portfolio=portfolio,
            debt__status__in=[DebtStatus.OPEN, DebtStatus.VERIFIED],
            debtor__contact_points__kind=ContactKind.ADDRESS,
        )
        .exclude(pk__in=disputed)
        .values_list("pk", flat=True)
        .distinct()
        .order_by("pk")
    )
    draw.shuffle(ids)
    cases = Case.objects.select_related("debt", "debtor__portfolio", "portfolio")
    for pk in ids:
        yield cases.get(pk=pk)


def _at(portfolio: Portfolio, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(portfolio.time_zone))


def _add_visits(
    cases: Iterator[Case], users: dict[str, User], portfolio: Portfolio, *, as_of: date, now: datetime
) -> None:
    yesterday = as_of - timedelta(days=1)
    plan = [(yesterday, 10, "completed"), (yesterday, 15, "checked_in"), (as_of, 10, ""), (as_of, 14, "")]
    planned: list[Visit] = []
    for number, ((day, hour, state), case) in enumerate(zip(plan, cases, strict=False)):
        address = case.debtor.contact_points.filter(kind=ContactKind.ADDRESS).order_by("pk").first()
        moment = _at(portfolio, day, hour)
        try:
            visit = visits.schedule_visit(
                case=case, agent=users["field"], companion=users["collector"], scheduled_for=moment, place_kind="home",
                area=AREAS[number % len(AREAS)], purpose="上门核实地址并沟通还款 / verify the address, discuss payment",
                contact_point_id=address.pk if address else None, source="strategy", actor=users["supervisor"],
                now=now,
            )  # fmt: skip
            if state:
                visits.check_in(visit_id=visit.pk, identification_shown=True, latitude=Decimal("31.230416"),
                                longitude=Decimal("121.473701"), actor=users["field"], now=moment)  # fmt: skip
            if state == "completed":
                visits.check_out(visit_id=visit.pk, outcome=VisitOutcome.MET_DEBTOR, safety_flags=["dog"],
                                 notes="本人在家，表示下周还款。Debtor at home, will pay next week.",
                                 actor=users["field"], now=moment + timedelta(minutes=35))  # fmt: skip
        except DomainError:
            continue
        if not state:
            planned.append(visit)
    if planned:
        visits.order_route(visits=planned, actor=users["field"], now=now)


def _large(cases: Iterator[Case], minimum: Decimal) -> Iterator[Case]:
    for case in cases:
        if ledger.get_balances(debt_id=case.debt_id).total >= minimum:
            yield case


def _add_referrals(cases: Iterator[Case], users: dict[str, User], *, now: datetime) -> None:
    made = 0
    for case in _large(cases, Decimal("5000.00")):
        try:
            if case.debt.verified_at is None:
                verification.verify_debt(
                    debt_id=case.debt_id, actor=users["supervisor"], now=now, reason="demo"
                )
                case.debt.refresh_from_db()
            referral = referrals.refer_case(case_id=case.pk, reason="催收函送达后仍未还款 / no payment after the demand letter",
                                            actor=users["admin"], now=now)  # fmt: skip
        except DomainError:
            continue
        made += 1
        if made == 2:
            referrals.approve_referral(referral_id=referral.pk, capacity=referrals.SUPERVISOR, actor=users["supervisor"],
                                       now=now)  # fmt: skip
            referrals.approve_referral(referral_id=referral.pk, capacity=referrals.COMPLIANCE,
                                       actor=users["compliance"], now=now)  # fmt: skip
            referral.refresh_from_db()
            bundles.build_bundle(referral=referral, actor=users["supervisor"], now=now)
            return


def _add_placement(cases: Iterator[Case], users: dict[str, User], *, now: datetime) -> None:
    agency, _created = Agency.objects.get_or_create(
        code="huaxin", defaults={"name": "华信资产管理 Huaxin Asset Management", "commission_rate": Decimal("18.00"),
                                 "entitled_fields": ["debtor_name", "phone", "region"], "created_at": now},
    )  # fmt: skip
    chosen = [case for _, case in zip(range(5), cases, strict=False)]
    try:
        placed = placements.place_cases(agency=agency, cases=chosen, actor=users["supervisor"], now=now)
        placements.record_remittance(placement_id=placed[0].pk, external_ref=f"HX-{placed[0].pk}",
                                     amount=Decimal("300.00"), received_date=now.date(), actor=users["supervisor"],
                                     now=now)  # fmt: skip
    except DomainError:
        return


def _add_settlement(cases: Iterator[Case], users: dict[str, User], *, now: datetime) -> None:
    for case in _large(cases, Decimal("3000.00")):
        balance = settlements.balance_of(case)
        try:
            settlements.offer_settlement(case=case, amount=(balance * Decimal("0.70")).quantize(Decimal("0.01")),
                                         pay_by=now.date() + timedelta(days=14), reason="一次性结清 / lump sum",
                                         actor=users["collector"], now=now)  # fmt: skip
        except DomainError:
            continue
        return


def _add_write_off(cases: Iterator[Case], users: dict[str, User], *, now: datetime) -> None:
    for case in cases:
        try:
            request = write_offs.request_write_off(case_id=case.pk, closure_reason="uncollectable",
                                                   note="多次上门未果，无可执行财产 / no assets", actor=users["collector"],
                                                   now=now)  # fmt: skip
            write_off = write_offs.approve_write_off(
                write_off_id=request.pk, actor=users["supervisor"], now=now
            )
            write_offs.record_recovery(write_off_id=write_off.pk, external_ref=f"WO-REC-{write_off.pk}",
                                       amount=Decimal("200.00"), received_date=now.date(), actor=users["supervisor"],
                                       now=now)  # fmt: skip
        except DomainError:
            continue
        return
