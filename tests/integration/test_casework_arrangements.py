"""Arrangements: the calculator's schedules to the cent, authority and approval, and refusals that change nothing."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from arrears.casework import arrangements, guards
from arrears.casework.arrangements import Terms
from arrears.casework.models import (
    Arrangement,
    ArrangementInstalment,
    ArrangementKind,
    ArrangementStatus,
    Notification,
)
from arrears.core.audit.models import AuditEvent
from arrears.core.errors import NotFound, PermissionDenied
from arrears.portfolio import ledger, payments
from arrears.portfolio.models import LedgerEntry
from tests.factories.cases import CaseFactory
from tests.factories.people import TeamFactory, UserFactory
from tests.factories.portfolio import DebtFactory, PortfolioFactory

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")
TODAY = date(2026, 4, 1)  # the `now` fixture (20:59:59 UTC on 31 March) is 1 April in Shanghai


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _annuity_schedule(principal: Decimal, annual_percent: Decimal, months: int) -> list[tuple[Decimal, ...]]:
    """等额本息 by the textbook formula: A = P·r(1+r)^n / ((1+r)^n − 1), interest on the balance, last one settles."""
    rate = annual_percent / Decimal(1200)
    growth = (1 + rate) ** months
    payment = _cents(principal * rate * growth / (growth - 1))
    rows, balance = [], principal
    for number in range(1, months + 1):
        interest = _cents(balance * annual_percent / 1200)  # exact: a half cent stays a half cent
        part = balance if number == months else payment - interest
        balance -= part
        rows.append((part + interest, part, interest, balance))
    return rows


def _equal_principal_schedule(
    principal: Decimal, annual_percent: Decimal, months: int
) -> list[tuple[Decimal, ...]]:
    """等额本金 by hand: principal P/n a month (the last takes the rest), interest on the balance before it."""
    level = _cents(principal / months)
    rows, balance = [], principal
    for number in range(1, months + 1):
        interest = _cents(balance * annual_percent / 1200)  # exact: a half cent stays a half cent
        part = balance if number == months else level
        balance -= part
        rows.append((part + interest, part, interest, balance))
    return rows


@pytest.fixture
def portfolio():
    return PortfolioFactory(code="arrangements", time_zone="Asia/Shanghai")


@pytest.fixture
def supervisor(portfolio):
    return UserFactory(
        supervisor=True, portfolios=[portfolio], max_plan_months=36, max_waiver_amount=Decimal("5000.00")
    )


@pytest.fixture
def collector(portfolio, supervisor):
    team = TeamFactory(name="Early calls", supervisor=supervisor)
    return UserFactory(
        portfolios=[portfolio], team=team, max_plan_months=6, max_waiver_amount=Decimal("200.00")
    )


@pytest.fixture
def case(portfolio):
    """CNY 10,450.00 owed: principal 10,000.00, interest 150.00, penalty 300.00."""
    debt = DebtFactory(
        debtor__portfolio=portfolio, charges={"interest": Decimal("150.00"), "penalty": Decimal("300.00")}
    )
    return CaseFactory(debt=debt)


def _propose(case, actor, now, terms, **kwargs):
    kwargs.setdefault("expected_revision", case.revision)
    kwargs.setdefault("request_key", None)
    return arrangements.propose_arrangement(case_id=case.pk, terms=terms, actor=actor, now=now, **kwargs)


def _instalments(**kwargs):
    return Terms(kind=ArrangementKind.INSTALMENTS, **kwargs)


class TestQuoteArrangement:
    def test_equal_instalments_match_the_annuity_formula_to_the_cent(self, case, now):
        quote = arrangements.quote_arrangement(
            case=case,
            terms=_instalments(method="equal-instalment", months=12, annual_rate=Decimal("12")),
            now=now,
        )

        expected = _annuity_schedule(Decimal("10450.00"), Decimal("12"), 12)
        assert [(i.payment, i.principal, i.interest, i.balance) for i in quote.instalments] == expected
        assert quote.instalments[0].payment == Decimal("928.47")
        assert quote.instalments[0].due_date == date(2026, 5, 1)
        assert sum(i.principal for i in quote.instalments) == Decimal("10450.00")
        assert quote.total_payment == sum(row[0] for row in expected)
        assert quote.total_interest == quote.total_payment - Decimal("10450.00")

    def test_equal_principal_pays_a_quarter_each_month_and_interest_on_what_remains(self, case, now):
        quote = arrangements.quote_arrangement(
            case=case,
            terms=_instalments(
                method="equal-principal", months=4, annual_rate=Decimal("12"), waived_penalty=Decimal("300.00"),
                waived_interest=Decimal("150.00"), first_due=date(2026, 4, 30),
            ),
            now=now,
        )  # fmt: skip

        # 10,000.00 / 4 = 2,500.00 a month; interest 1 % a month of 10,000, 7,500, 5,000, 2,500.
        assert [(i.due_date, i.payment, i.interest) for i in quote.instalments] == [
            (date(2026, 4, 30), Decimal("2600.00"), Decimal("100.00")),
            (date(2026, 5, 30), Decimal("2575.00"), Decimal("75.00")),
            (date(2026, 6, 30), Decimal("2550.00"), Decimal("50.00")),
            (date(2026, 7, 30), Decimal("2525.00"), Decimal("25.00")),
        ]
        assert (quote.total_payment, quote.total_interest, quote.waived_total) == (
            Decimal("10250.00"), Decimal("250.00"), Decimal("450.00"),
        )  # fmt: skip

    def test_a_custom_plan_must_add_up_to_the_amount(self, case, now):
        terms = _instalments(
            method="custom",
            custom=((date(2026, 4, 15), Decimal("5000.00")), (date(2026, 5, 15), Decimal("5000.00"))),
        )

        with pytest.raises(
            arrangements.InvalidArrangement, match=r"add up to 10000\.00 CNY, not the 10450\.00"
        ):
            arrangements.quote_arrangement(case=case, terms=terms, now=now)

    def test_a_custom_plan_counts_its_months_to_the_last_payment(self, case, now):
        terms = _instalments(
            method="custom",
            custom=((date(2026, 4, 15), Decimal("450.00")), (date(2026, 9, 15), Decimal("10000.00"))),
        )

        quote = arrangements.quote_arrangement(case=case, terms=terms, now=now)

        assert quote.months == 6
        assert [i.balance for i in quote.instalments] == [Decimal("10000.00"), Decimal("0.00")]

    def test_a_settlement_forgives_the_discount(self, case, now):
        terms = Terms(
            kind=ArrangementKind.SETTLEMENT, discount=Decimal("1450.00"), due_date=date(2026, 4, 20)
        )

        quote = arrangements.quote_arrangement(case=case, terms=terms, now=now)

        assert (quote.amount, quote.total_payment, quote.waived_total, quote.months) == (
            Decimal("9000.00"), Decimal("9000.00"), Decimal("1450.00"), 1,
        )  # fmt: skip

    def test_a_deferral_is_one_payment_of_the_balance(self, case, now):
        quote = arrangements.quote_arrangement(
            case=case, terms=Terms(kind=ArrangementKind.DEFERRAL, due_date=date(2026, 7, 1)), now=now
        )

        assert [(i.due_date, i.payment) for i in quote.instalments] == [
            (date(2026, 7, 1), Decimal("10450.00"))
        ]
        assert quote.months == 3


class TestScheduleArithmetic:
    @pytest.mark.parametrize(
        ("principal", "rate", "months"),
        [
            ("10000.00", "0", 7),
            ("45.60", "2.5", 3),
            ("99999.99", "18", 36),
            ("1234.57", "4.35", 360),
            ("0.05", "0", 5),
        ],
    )
    @pytest.mark.parametrize(
        ("method", "formula"),
        [("equal-instalment", _annuity_schedule), ("equal-principal", _equal_principal_schedule)],
    )
    def test_each_instalment_matches_the_formula_to_the_cent(
        self, portfolio, now, principal, rate, months, method, formula
    ):
        case = CaseFactory(debt=DebtFactory(debtor__portfolio=portfolio, principal=Decimal(principal)))
        terms = _instalments(method=method, months=months, annual_rate=Decimal(rate))

        quote = arrangements.quote_arrangement(case=case, terms=terms, now=now)

        expected = (
            _flat(Decimal(principal), months)
            if Decimal(rate) == 0
            else formula(Decimal(principal), Decimal(rate), months)
        )
        assert [(i.payment, i.principal, i.interest, i.balance) for i in quote.instalments] == expected
        assert sum(i.principal for i in quote.instalments) == Decimal(principal)
        assert quote.total_payment == sum(row[0] for row in expected)


def _flat(principal: Decimal, months: int) -> list[tuple[Decimal, ...]]:
    """At 0 % both methods are P/n a month, the last taking the rest."""
    return _equal_principal_schedule(principal, Decimal(0), months)


class TestProposeArrangement:
    def test_within_authority_it_is_active_at_once_with_its_schedule(self, case, collector, now):
        arrangement = _propose(case, collector, now, _instalments(method="equal-principal", months=5))

        assert arrangement.status == ArrangementStatus.ACTIVE
        assert (
            list(arrangement.instalments.order_by("number").values_list("payment", flat=True))
            == [Decimal("2090.00")] * 5
        )
        assert not Notification.objects.exists()
        assert arrangements.has_active_arrangement(case_id=case.pk)
        case.refresh_from_db()
        assert case.revision == 1
        assert AuditEvent.objects.filter(action="casework.propose_arrangement").count() == 1

    def test_too_many_months_waits_for_the_team_supervisor(self, case, collector, supervisor, now):
        arrangement = _propose(case, collector, now, _instalments(method="equal-instalment", months=12))

        assert arrangement.status == ArrangementStatus.PENDING_APPROVAL
        assert arrangement.instalments.count() == 12
        notification = Notification.objects.get()
        assert (notification.user, notification.case) == (supervisor, case)
        assert case.debt.external_ref in notification.text
        pending = arrangements.list_pending_approvals(user=supervisor)
        assert [item.exceeded for item in pending] == [("The plan runs 12 months; the limit is 6.",)]

    def test_without_a_team_every_supervisor_of_the_portfolio_is_asked(
        self, case, portfolio, supervisor, now
    ):
        loner = UserFactory(portfolios=[portfolio], max_plan_months=1)
        elsewhere = UserFactory(supervisor=True, portfolios=[PortfolioFactory()])

        _propose(case, loner, now, Terms(kind=ArrangementKind.DEFERRAL, due_date=date(2026, 6, 1)))

        assert list(Notification.objects.values_list("user", flat=True)) == [supervisor.pk]
        assert not Notification.objects.filter(user=elsewhere).exists()

    def test_a_waiver_within_authority_is_posted_to_the_ledger_to_the_cent(self, case, collector, now):
        arrangement = _propose(
            case, collector, now, Terms(kind=ArrangementKind.WAIVER, waived_penalty=Decimal("199.99"))
        )

        assert arrangement.status == ArrangementStatus.COMPLETED
        entry = LedgerEntry.objects.get(kind="waiver")
        assert (entry.component, entry.amount, entry.effective_date) == ("penalty", Decimal("-199.99"), TODAY)
        balances = ledger.get_balances(debt_id=case.debt_id)
        assert balances.components["penalty"] == Decimal("100.01")
        assert balances.total == Decimal("10250.01")

    def test_a_waiver_beyond_authority_waits_and_posts_nothing(self, case, collector, now):
        arrangement = _propose(
            case, collector, now, Terms(kind=ArrangementKind.WAIVER, waived_penalty=Decimal("200.01"))
        )

        assert arrangement.status == ArrangementStatus.PENDING_APPROVAL
        assert not LedgerEntry.objects.filter(kind="waiver").exists()

    def test_a_settlement_discount_beyond_authority_waits_for_approval(
        self, case, collector, supervisor, now
    ):
        terms = Terms(kind=ArrangementKind.SETTLEMENT, discount=Decimal("450.00"), due_date=date(2026, 4, 20))

        arrangement = _propose(case, collector, now, terms)

        assert arrangement.status == ArrangementStatus.PENDING_APPROVAL
        assert arrangements.list_pending_approvals(user=supervisor)[0].exceeded == (
            "It forgives 450.00 CNY (waivers and discount); the limit is 200.00 CNY.",
        )

    def test_refuses_a_plan_that_does_not_repay_the_balance_and_writes_nothing(self, case, collector, now):
        with pytest.raises(
            arrangements.InvalidArrangement, match=r"does not repay the balance 10450\.00 CNY"
        ):
            _propose(
                case,
                collector,
                now,
                _instalments(method="equal-principal", months=3, amount=Decimal("10000")),
            )

        assert not Arrangement.objects.exists()
        case.refresh_from_db()
        assert case.revision == 0

    def test_refuses_a_waiver_beyond_the_penalty_owed(self, case, supervisor, now):
        with pytest.raises(
            arrangements.InvalidArrangement, match=r"300\.01 CNY is more than the penalty owed"
        ):
            _propose(
                case, supervisor, now, Terms(kind=ArrangementKind.WAIVER, waived_penalty=Decimal("300.01"))
            )

        assert not Arrangement.objects.exists()
        assert not LedgerEntry.objects.filter(kind="waiver").exists()

    def test_refuses_a_first_due_date_in_the_past(self, case, collector, now):
        with pytest.raises(arrangements.InvalidArrangement, match="2026-03-31 is in the past"):
            _propose(
                case,
                collector,
                now,
                _instalments(method="equal-principal", months=3, first_due=date(2026, 3, 31)),
            )

        assert not Arrangement.objects.exists()

    def test_refuses_more_than_360_months(self, case, supervisor, now):
        with pytest.raises(arrangements.InvalidArrangement, match="from 1 to 360"):
            _propose(case, supervisor, now, _instalments(method="equal-principal", months=361))

    def test_a_double_submit_returns_the_first_arrangement(self, case, collector, now):
        terms = _instalments(method="equal-principal", months=2)
        first = _propose(case, collector, now, terms, request_key="form-1")

        again = _propose(case, collector, now, terms, request_key="form-1", expected_revision=0)

        assert again.pk == first.pk
        assert Arrangement.objects.count() == 1
        assert ArrangementInstalment.objects.count() == 2

    def test_a_stale_page_changes_nothing(self, case, collector, now):
        with pytest.raises(guards.StaleCase):
            _propose(
                case, collector, now, _instalments(method="equal-principal", months=2), expected_revision=7
            )

        assert not Arrangement.objects.exists()

    def test_only_one_arrangement_is_open_per_case(self, case, collector, now):
        _propose(case, collector, now, _instalments(method="equal-principal", months=12))

        with pytest.raises(arrangements.ArrangementAlreadyOpen, match="already has an arrangement"):
            _propose(
                case, collector, now, _instalments(method="equal-principal", months=2), expected_revision=None
            )

        assert Arrangement.objects.count() == 1

    def test_refuses_a_reason_with_forbidden_wording(self, case, collector, now):
        from arrears.compliance.decisions import NoteBlocked

        with pytest.raises(NoteBlocked):
            _propose(
                case, collector, now, _instalments(method="equal-principal", months=2),
                reason="再不还钱就去你单位闹，让你全家丢人",
            )  # fmt: skip

        assert not Arrangement.objects.exists()


class TestApproveArrangement:
    @pytest.fixture
    def pending(self, case, collector, now):
        terms = Terms(
            kind=ArrangementKind.SETTLEMENT, discount=Decimal("450.00"), waived_penalty=Decimal("300.00"),
            due_date=date(2026, 4, 20),
        )  # fmt: skip
        return _propose(case, collector, now, terms)

    def test_approval_activates_posts_waiver_and_discount_and_tells_the_proposer(
        self, pending, case, collector, supervisor, now
    ):
        Notification.objects.all().delete()

        approved = arrangements.approve_arrangement(
            arrangement_id=pending.pk, comment="Fine", actor=supervisor, now=now, expected_revision=1
        )

        assert (approved.status, approved.decided_by, approved.decision_comment) == (
            ArrangementStatus.ACTIVE, supervisor, "Fine",
        )  # fmt: skip
        # 300.00 penalty waived; the 450.00 discount takes the 150.00 interest, then 300.00 principal.
        assert dict(LedgerEntry.objects.filter(kind="waiver").values_list("component", "amount")) == {
            "penalty": Decimal("-300.00"), "interest": Decimal("-150.00"), "principal": Decimal("-300.00"),
        }  # fmt: skip
        assert ledger.get_balances(debt_id=case.debt_id).total == Decimal("9700.00") == approved.amount
        notification = Notification.objects.get()
        assert notification.user == collector
        assert "approved" in notification.text

    def test_a_second_approval_of_the_same_supervisor_changes_nothing(self, pending, supervisor, now):
        arrangements.approve_arrangement(
            arrangement_id=pending.pk, actor=supervisor, now=now, expected_revision=1
        )

        again = arrangements.approve_arrangement(
            arrangement_id=pending.pk, actor=supervisor, now=now, expected_revision=1
        )

        assert again.status == ArrangementStatus.ACTIVE
        assert LedgerEntry.objects.filter(kind="waiver").count() == 3

    def test_a_collector_may_not_approve(self, pending, portfolio, now):
        other = UserFactory(portfolios=[portfolio], max_waiver_amount=Decimal("99999"))

        with pytest.raises(PermissionDenied, match="Only a supervisor"):
            arrangements.approve_arrangement(
                arrangement_id=pending.pk, actor=other, now=now, expected_revision=1
            )

    def test_a_supervisor_without_enough_authority_may_not_approve(self, pending, portfolio, now):
        junior = UserFactory(supervisor=True, portfolios=[portfolio], max_waiver_amount=Decimal("500.00"))

        with pytest.raises(arrangements.ApproverLacksAuthority, match="beyond your own authority"):
            arrangements.approve_arrangement(
                arrangement_id=pending.pk, actor=junior, now=now, expected_revision=1
            )

        pending.refresh_from_db()
        assert pending.status == ArrangementStatus.PENDING_APPROVAL

    def test_another_portfolios_supervisor_does_not_find_it(self, pending, now):
        stranger = UserFactory(
            supervisor=True, portfolios=[PortfolioFactory()], max_waiver_amount=Decimal("9999")
        )

        with pytest.raises(NotFound):
            arrangements.approve_arrangement(
                arrangement_id=pending.pk, actor=stranger, now=now, expected_revision=1
            )

    def test_nobody_approves_their_own_proposal(self, case, supervisor, now):
        mine = _propose(case, supervisor, now, _instalments(method="equal-principal", months=48))

        with pytest.raises(arrangements.ApproverLacksAuthority, match="another supervisor"):
            arrangements.approve_arrangement(
                arrangement_id=mine.pk, actor=supervisor, now=now, expected_revision=1
            )

    def test_refuses_when_a_payment_changed_the_balance_meanwhile(self, pending, case, supervisor, now):
        payments.record_payment(
            debt_id=case.debt_id, external_ref="P-1", amount=Decimal("100.00"), currency="CNY",
            received_date=TODAY, source="payment", actor=None, now=now,
        )  # fmt: skip

        with pytest.raises(arrangements.InvalidArrangement, match="balance changed since the proposal"):
            arrangements.approve_arrangement(
                arrangement_id=pending.pk, actor=supervisor, now=now, expected_revision=1
            )

        assert not LedgerEntry.objects.filter(kind="waiver").exists()

    def test_a_stale_approvals_page_changes_nothing(self, pending, supervisor, now):
        with pytest.raises(guards.StaleCase):
            arrangements.approve_arrangement(
                arrangement_id=pending.pk, actor=supervisor, now=now, expected_revision=0
            )

        pending.refresh_from_db()
        assert pending.status == ArrangementStatus.PENDING_APPROVAL


class TestRejectAndCancel:
    @pytest.fixture
    def pending(self, case, collector, now):
        return _propose(case, collector, now, _instalments(method="equal-instalment", months=24))

    def test_a_rejection_needs_a_comment(self, pending, supervisor, now):
        with pytest.raises(arrangements.InvalidArrangement, match="Say why"):
            arrangements.reject_arrangement(
                arrangement_id=pending.pk, comment="  ", actor=supervisor, now=now, expected_revision=1
            )

        pending.refresh_from_db()
        assert pending.status == ArrangementStatus.PENDING_APPROVAL

    def test_a_rejection_tells_the_proposer_why(self, pending, collector, supervisor, now):
        rejected = arrangements.reject_arrangement(
            arrangement_id=pending.pk, comment="Too long; offer 12 months", actor=supervisor, now=now,
            expected_revision=1,
        )  # fmt: skip

        assert rejected.status == ArrangementStatus.REJECTED
        assert Notification.objects.filter(
            user=collector, text__contains="Too long; offer 12 months"
        ).exists()
        assert not arrangements.has_active_arrangement(case_id=pending.case_id)

    def test_the_proposer_cancels_and_may_propose_again(self, pending, case, collector, now):
        arrangements.cancel_arrangement(
            arrangement_id=pending.pk, actor=collector, now=now, expected_revision=1
        )

        again = _propose(
            case, collector, now, _instalments(method="equal-principal", months=2), expected_revision=2
        )

        assert again.status == ArrangementStatus.ACTIVE
        pending.refresh_from_db()
        assert pending.status == ArrangementStatus.CANCELLED

    def test_another_collector_may_not_cancel(self, pending, portfolio, now):
        other = UserFactory(portfolios=[portfolio])

        with pytest.raises(PermissionDenied):
            arrangements.cancel_arrangement(
                arrangement_id=pending.pk, actor=other, now=now, expected_revision=1
            )


class TestOneOpenArrangement:
    def test_the_database_constraint_is_turned_into_the_same_clear_message(
        self, case, collector, now, monkeypatch
    ):
        _propose(case, collector, now, _instalments(method="equal-principal", months=12))
        monkeypatch.setattr(
            arrangements, "OPEN_STATUSES", ()
        )  # skip the early check: a race lost at the insert

        with pytest.raises(arrangements.ArrangementAlreadyOpen, match="already has an arrangement"):
            _propose(
                case, collector, now, _instalments(method="equal-principal", months=2), expected_revision=None
            )

        assert Arrangement.objects.count() == 1

    def test_a_deferral_beyond_360_months_is_refused(self, case, supervisor, now):
        with pytest.raises(arrangements.InvalidArrangement, match="more than 360 months away"):
            _propose(case, supervisor, now, Terms(kind=ArrangementKind.DEFERRAL, due_date=date(2099, 1, 1)))


class TestMonthsUntil:
    @pytest.mark.parametrize(
        ("today", "last", "months"),
        [
            (date(2026, 4, 1), date(2026, 7, 1), 3),
            (date(2026, 1, 31), date(2026, 2, 28), 1),
            (date(2026, 4, 15), date(2026, 4, 20), 1),
            (date(2026, 4, 20), date(2026, 5, 10), 1),
            (date(2026, 4, 20), date(2026, 5, 25), 2),
            (date(2026, 4, 20), date(2026, 4, 20), 0),
        ],
    )
    def test_a_part_month_counts_as_one(self, today, last, months):
        assert arrangements.months_until(today, last) == months
