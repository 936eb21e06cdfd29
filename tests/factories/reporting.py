"""A small hand-computed portfolio for the reporting tests (every figure below is worked out by hand).

Placed: A 1,000.00, B 2,000.00, C 3,000.00, D 4,000.00 on 5 January 2026 (vintage 2026-01); E
5,000.00 on 10 February (2026-02). Arms: A, B, E champion; C, D challenger. Collector ``x`` (team
``north``) has A, B and C; D and E are nobody's.

February: A pays 1,000.00 on the 3rd, B 500.50 on the 3rd and 250.25 on the 20th (1,750.75); C pays
100.00 on 2 March. Calls: ``x`` reaches A (right party) and gets no answer from B on the 2nd, and a
promise from B on the 3rd; ``y`` dials a wrong number for C on the 4th. B's promise (500.50, by
``x``) is kept on the 10th; C's (300.00, by ``y``) broken on the 15th. Messages sent: SMS to A and
D, e-mail to B. Refusals on 5 February: one for quiet hours, one for quiet hours and the daily cap.

Positions: 31 January — A 1-30 (1,000.00), B 31-60 (2,000.00), C 31-60 (3,000.00), D 61-90
(4,000.00); 28 February — B current (1,249.25, early), C 61-90 (3,000.00, mid), D 91-120 (4,000.00,
late), E 1-30 (5,000.00, no stage); A is gone (closed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import polars as pl

from arrears.casework.models import Activity, Case, Promise, PromiseStatus
from arrears.comms.models import Message
from arrears.compliance.models import ContactDecision
from arrears.people.models import Team, User
from arrears.portfolio.models import Debt, Portfolio
from arrears.reporting import facts, positions
from tests.factories.cases import CaseFactory
from tests.factories.cycle import pay
from tests.factories.people import TeamFactory, UserFactory
from tests.factories.portfolio import DebtFactory, DebtorFactory, PortfolioFactory

FEBRUARY = (date(2026, 2, 1), date(2026, 2, 28))


@dataclass
class World:
    portfolio: Portfolio
    team: Team
    x: User
    y: User
    supervisor: User
    debts: dict[str, Debt]
    cases: dict[str, Case]


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def build_world() -> World:
    """Create the portfolio above, refresh its facts from 1 January to 31 March and record both snapshots."""
    portfolio = PortfolioFactory(code="rep")
    team = TeamFactory(name="north")
    x = UserFactory(username="x", first_name="Xia", last_name="Li", team=team, portfolios=[portfolio])
    y = UserFactory(username="y", portfolios=[portfolio])
    supervisor = UserFactory(username="boss", supervisor=True, team=team, portfolios=[portfolio])
    placed = {"A": ("1000.00", date(2026, 1, 5)), "B": ("2000.00", date(2026, 1, 5)),
              "C": ("3000.00", date(2026, 1, 5)), "D": ("4000.00", date(2026, 1, 5)),
              "E": ("5000.00", date(2026, 2, 10))}  # fmt: skip
    arms = {"A": "champion", "B": "champion", "C": "challenger", "D": "challenger", "E": "champion"}
    owners = {"A": x, "B": x, "C": x}
    debts, cases = {}, {}
    for name, (principal, on) in placed.items():
        debtor = DebtorFactory(portfolio=portfolio)
        debts[name] = DebtFactory(
            debtor=debtor, external_ref=f"REP-{name}", principal=Decimal(principal), created_at=_at(on),
            due_date=date(2025, 12, 1),
        )  # fmt: skip
        cases[name] = CaseFactory(debt=debts[name], arm=arms[name], assigned_to=owners.get(name))
    pay(debts["A"], "1000.00", on=date(2026, 2, 3))
    pay(debts["B"], "500.50", on=date(2026, 2, 3))
    pay(debts["B"], "250.25", on=date(2026, 2, 20))
    pay(debts["C"], "100.00", on=date(2026, 3, 2))
    for case, result, by, day in (
        ("A", "right_party", x, date(2026, 2, 2)), ("B", "no_answer", x, date(2026, 2, 2)),
        ("B", "promise", x, date(2026, 2, 3)), ("C", "wrong_number", y, date(2026, 2, 4)),
    ):  # fmt: skip
        Activity.objects.create(case=cases[case], result=result, created_by=by, created_at=_at(day))
    Promise.objects.create(
        case=cases["B"], amount=Decimal("500.50"), currency="CNY", made_on=date(2026, 2, 3), due_date=date(2026, 2, 10),
        status=PromiseStatus.KEPT, resolved_on=date(2026, 2, 10), made_by=x, created_at=_at(date(2026, 2, 3)),
    )  # fmt: skip
    Promise.objects.create(
        case=cases["C"], amount=Decimal("300.00"), currency="CNY", made_on=date(2026, 2, 4), due_date=date(2026, 2, 12),
        status=PromiseStatus.BROKEN, resolved_on=date(2026, 2, 15), made_by=y, created_at=_at(date(2026, 2, 4)),
    )  # fmt: skip
    for name, channel in (("A", "sms"), ("D", "sms"), ("B", "email")):
        debt = debts[name]
        Message.objects.create(
            debtor=debt.debtor, debt=debt, channel=channel, purpose="reminder", language="zh-hans", body="…",
            status="sent", not_before=_at(date(2026, 2, 6)), idempotency_key=f"rep-{name}", sent_at=_at(date(2026, 2, 6)),
            source="cycle", created_at=_at(date(2026, 2, 6)),
        )  # fmt: skip
    for name, reasons in (("A", ["quiet_hours"]), ("B", ["quiet_hours", "daily_cap"])):
        ContactDecision.objects.create(
            debtor=debts[name].debtor, action="call", proposed_at=_at(date(2026, 2, 5)), decision="deny",
            reasons=reasons, policy="cn", source="desk", created_at=_at(date(2026, 2, 5)),
        )  # fmt: skip
    facts.refresh_facts(since=date(2026, 1, 1), until=date(2026, 3, 31))
    _snapshot(portfolio, date(2026, 1, 31), {"A": ("1-30", 15, "1000.00", "early"), "B": ("31-60", 45, "2000.00", "mid"),
              "C": ("31-60", 45, "3000.00", "mid"), "D": ("61-90", 70, "4000.00", "late")}, debts, cases)  # fmt: skip
    _snapshot(portfolio, date(2026, 2, 28), {"B": ("current", 0, "1249.25", "early"), "C": ("61-90", 75, "3000.00", "mid"),
              "D": ("91-120", 95, "4000.00", "late"), "E": ("1-30", 10, "5000.00", "")}, debts, cases)  # fmt: skip
    return World(portfolio, team, x, y, supervisor, debts, cases)


def _snapshot(portfolio: Portfolio, as_of: date, rows: dict[str, tuple[str, int, str, str]],
              debts: dict[str, Debt], cases: dict[str, Case]) -> None:  # fmt: skip
    frame = pl.DataFrame(
        [
            {
                "debt_id": debts[name].pk,
                "case_id": cases[name].pk,
                "portfolio_id": portfolio.pk,
                "product": debts[name].product,
                "stage": stage,
                "days_past_due": dpd,
                "bucket": bucket,
                "balance": Decimal(balance),
            }
            for name, (bucket, dpd, balance, stage) in rows.items()
        ],
        schema=positions.POSITION_COLUMNS,
    )
    positions.record_positions(as_of=as_of, frame=frame, portfolio_ids=[portfolio.pk])
