from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import polars as pl
import pytest
from django.core.management import call_command
from polars.testing import assert_frame_equal

from arrears.engine.fields import SNAPSHOT_SCHEMA, check_snapshot
from arrears.portfolio import ledger, schedule
from arrears.portfolio.choices import DebtStatus
from arrears.portfolio.models import Debt, Portfolio
from arrears.usecases.cycle import snapshot
from arrears.usecases.cycle.snapshot import partition_of, read_snapshot
from tests.factories.cases import CaseFactory, ContactEventFactory, PromiseFactory
from tests.factories.portfolio import (
    DebtFactory,
    DebtorFactory,
    InstalmentFactory,
    LedgerEntryFactory,
    PortfolioFactory,
)
from tests.support.reference_snapshot import build_snapshot

pytestmark = pytest.mark.django_db
D = Decimal
AS_OF = date(2026, 3, 31)
SHARED = [
    "debt_id", "debtor_id", "portfolio", "balance", "currency", "days_past_due", "days_until_due", "bucket",
    "product", "debtor_kind", "is_verified", "has_open_dispute",
]  # fmt: skip


def _row(debt: Debt, as_of: date = AS_OF) -> dict[str, object]:
    frame = read_snapshot(portfolio=debt.portfolio, as_of=as_of)
    return frame.filter(pl.col("debt_id") == debt.pk).row(0, named=True)


def _pay(debt: Debt, amount: str, on: date, component: str = "principal", kind: str = "payment") -> None:
    LedgerEntryFactory(debt=debt, kind=kind, component=component, amount=-D(amount), effective_date=on)


def _assert_agrees_with_the_ledger(portfolio: Portfolio, as_of: date) -> None:
    ours = read_snapshot(portfolio=portfolio, as_of=as_of)
    reference = build_snapshot(as_of=as_of, portfolio_code=portfolio.code)
    assert_frame_equal(ours.select(SHARED), reference.select(SHARED))
    debts = Debt.objects.filter(pk__in=ours.get_column("debt_id").to_list())
    positions = ledger.list_positions(debts=debts, as_of=as_of)
    principals = {pk: position.balances.components["principal"] for pk, position in positions.items()}
    assert dict(ours.select("debt_id", "principal_balance").iter_rows()) == principals
    days_past_due = pl.col("days_past_due")
    since = (
        pl.when(days_past_due > 0)
        .then(pl.lit(as_of) - pl.duration(days=days_past_due))
        .alias("overdue_since")
    )
    assert_frame_equal(ours.select("overdue_since"), ours.select(since))
    assert dict(ours.select("debt_id", "overdue_amount").iter_rows()) == _overdue_amounts(debts, as_of, ours)


def _overdue_amounts(debts: Iterable[Debt], as_of: date, ours: pl.DataFrame) -> dict[int, Decimal]:
    """Return per debt what fell due before ``as_of`` and was not paid, from the ledger's own schedule."""
    past_due = dict(ours.select("debt_id", "days_past_due").iter_rows())
    ids = [debt.pk for debt in debts]
    credits, schedules = ledger._credits_by_debt(ids, as_of), ledger._schedules(ids)
    amounts = {}
    for debt in debts:
        charged, paid = credits.get(debt.pk, (D("0.00"), D("0.00")))
        due = sum(
            (
                amount
                for on, amount in ledger._due_amounts(debt, schedules.get(debt.pk), charged)
                if on < as_of
            ),
            D(0),
        )
        amounts[debt.pk] = max(due - paid, D("0.00")) if past_due[debt.pk] > 0 else D("0.00")
    return amounts


@pytest.fixture
def portfolio() -> Portfolio:
    return PortfolioFactory(code="snap", time_zone="Asia/Shanghai")


class TestAgreementWithTheLedger:
    def test_every_shared_column_equals_the_per_debt_reference_on_the_demo_portfolios(self):
        call_command("demo", debtors=60, seed=7, as_of=AS_OF, no_users=True, stdout=StringIO())

        for portfolio in Portfolio.objects.order_by("code"):
            for as_of in (date(2025, 12, 31), AS_OF, date(2026, 5, 31)):
                _assert_agrees_with_the_ledger(portfolio, as_of)


class TestColumns:
    def test_has_every_catalog_field_with_its_type_then_the_cycle_columns(self, portfolio):
        DebtFactory(debtor__portfolio=portfolio)

        frame = read_snapshot(portfolio=portfolio, as_of=AS_OF)

        check_snapshot(frame)
        assert frame.schema == snapshot.OUTPUT_SCHEMA
        assert frame.columns[: len(SNAPSHOT_SCHEMA)] == list(SNAPSHOT_SCHEMA)

    def test_an_empty_portfolio_gives_an_empty_frame_of_the_same_schema(self, portfolio):
        frame = read_snapshot(portfolio=portfolio, as_of=AS_OF)

        assert frame.height == 0
        assert frame.schema == snapshot.OUTPUT_SCHEMA

    def test_reads_the_terms_debtor_and_a_debt_without_a_case(self, portfolio):
        debt = DebtFactory(
            debtor__portfolio=portfolio, debtor__company=True, debtor__language="en", debtor__region="CN-44",
            penalty_rate=D("18.2500"), contract_date=date(2025, 6, 30), verified=True,
        )  # fmt: skip

        row = _row(debt)

        assert {key: row[key] for key in (
            "portfolio", "portfolio_id", "debtor_kind", "language", "region", "penalty_rate", "contract_date",
            "is_verified", "has_open_dispute", "case_id", "stage", "days_in_stage", "delinquency_reason", "score",
            "is_key_customer", "broken_promises", "days_since_last_contact", "stage_entered_on",
        )} == {
            "portfolio": "snap", "portfolio_id": portfolio.pk, "debtor_kind": "company", "language": "en",
            "region": "CN-44", "penalty_rate": D("18.2500"), "contract_date": date(2025, 6, 30), "is_verified": True,
            "has_open_dispute": False, "case_id": None, "stage": None, "days_in_stage": None,
            "delinquency_reason": "unknown", "score": None, "is_key_customer": False, "broken_promises": 0,
            "days_since_last_contact": None, "stage_entered_on": None,
        }  # fmt: skip


def _position(debt: Debt, as_of: date = AS_OF) -> tuple[object, ...]:
    row = _row(debt, as_of)
    keys = ("balance", "days_past_due", "days_until_due", "bucket", "overdue_amount", "overdue_since")
    return tuple(row[key] for key in keys)


class TestBalancesAndDaysPastDue:
    def test_equal_monthly_instalments_partly_paid_are_past_due_from_the_first_uncovered(self, portfolio):
        debt = DebtFactory(
            debtor__portfolio=portfolio,
            principal=D("3000.00"),
            due_date=date(2026, 1, 31),
            instalment_count=3,
        )
        _pay(debt, "1000.00", date(2026, 2, 5))
        _pay(debt, "500.00", date(2026, 3, 2))

        # Instalments fall due 31 Jan, 28 Feb and 31 Mar; 1,500.00 covers January and half of February.
        assert _position(debt) == (D("1500.00"), 31, 0, "31-60", D("500.00"), date(2026, 2, 28))
        assert _position(debt, date(2026, 4, 1)) == (
            D("1500.00"),
            32,
            None,
            "31-60",
            D("1500.00"),
            date(2026, 2, 28),
        )

    def test_the_last_equal_instalment_takes_the_rounding_remainder(self, portfolio):
        debt = DebtFactory(
            debtor__portfolio=portfolio,
            principal=D("1000.00"),
            due_date=date(2026, 1, 10),
            instalment_count=3,
        )
        _pay(debt, "666.66", date(2026, 2, 10))

        # Shares of 333.33, 333.33 and 333.34: two are paid, the third (10 Mar) is not.
        assert _position(debt) == (D("333.34"), 21, None, "1-30", D("333.34"), date(2026, 3, 10))

    def test_shares_round_half_even_to_the_currency_unit(self, portfolio):
        yen = DebtFactory(
            debtor__portfolio=portfolio, currency="JPY", principal=D("1000"), due_date=date(2026, 1, 10),
            instalment_count=3,
        )  # fmt: skip
        _pay(yen, "666", date(2026, 2, 10))
        cents = DebtFactory(
            debtor__portfolio=portfolio, principal=D("0.05"), due_date=date(2026, 2, 10), instalment_count=2
        )
        _pay(cents, "0.02", date(2026, 2, 10))

        # ¥333, ¥333, ¥334: the third is unpaid. 0.025 rounds to 0.02 (half-even): the second is unpaid.
        assert _position(yen) == (D("334.00"), 21, None, "1-30", D("334.00"), date(2026, 3, 10))
        assert _position(cents) == (D("0.03"), 21, None, "1-30", D("0.03"), date(2026, 3, 10))

    def test_explicit_instalment_rows_replace_the_derived_schedule(self, portfolio):
        debt = DebtFactory(
            debtor__portfolio=portfolio, principal=D("3000.00"), due_date=date(2026, 1, 15),
            charges={"interest": D("50.00")},
        )  # fmt: skip
        for number, (due_date, interest) in enumerate(
            ((date(2026, 1, 15), D("50.00")), (date(2026, 2, 15), D("0")), (date(2026, 4, 15), D("0"))),
            start=1,
        ):
            InstalmentFactory(debt=debt, number=number, due_date=due_date, interest_due=interest)
        _pay(debt, "50.00", date(2026, 1, 15), component="interest")
        _pay(debt, "1050.00", date(2026, 1, 20))

        # 1,050.00 is due on 15 Jan and 1,000.00 on 15 Feb; 1,100.00 paid leaves 950.00 of February.
        assert _position(debt) == (D("1950.00"), 44, 15, "31-60", D("950.00"), date(2026, 2, 15))

    def test_one_instalment_owes_the_interest_charged_too(self, portfolio):
        debt = DebtFactory(
            debtor__portfolio=portfolio, principal=D("1000.00"), due_date=date(2026, 3, 1),
            charges={"interest": D("120.50"), "fee": D("30.00")},
        )  # fmt: skip
        _pay(debt, "1000.00", date(2026, 3, 1))

        assert _position(debt) == (D("150.50"), 30, None, "1-30", D("120.50"), date(2026, 3, 1))
        assert _position(debt, date(2026, 3, 1)) == (D("150.50"), 0, 0, "current", D("0.00"), None)

    def test_waivers_count_toward_the_schedule_and_unpaid_fees_alone_are_not_past_due(self, portfolio):
        debt = DebtFactory(
            debtor__portfolio=portfolio,
            principal=D("500.00"),
            due_date=date(2026, 2, 1),
            charges={"fee": D("25.00")},
        )
        _pay(debt, "300.00", date(2026, 2, 1))
        _pay(debt, "200.00", date(2026, 2, 3), kind="waiver")

        assert _position(debt) == (D("25.00"), 0, None, "current", D("0.00"), None)

    def test_an_overpayment_is_not_owed_and_the_balance_stays_exact(self, portfolio):
        debt = DebtFactory(debtor__portfolio=portfolio, principal=D("0.30"), due_date=date(2026, 2, 1))
        _pay(debt, "0.10", date(2026, 2, 1))
        _pay(debt, "0.20", date(2026, 2, 2))
        _pay(debt, "7.25", date(2026, 2, 2), component="overpayment")

        row = _row(debt)

        assert (row["balance"], row["principal_balance"], row["days_past_due"]) == (D("0.00"), D("0.00"), 0)
        assert str(row["balance"]) == "0.00"

    def test_large_amounts_are_exact(self, portfolio):
        debt = DebtFactory(
            debtor__portfolio=portfolio, principal=D("123456789012.34"), due_date=date(2026, 3, 1)
        )
        _pay(debt, "0.01", date(2026, 3, 1))

        assert _row(debt)["balance"] == D("123456789012.33")

    def test_a_payment_dated_after_the_as_of_date_is_ignored(self, portfolio):
        debt = DebtFactory(debtor__portfolio=portfolio, principal=D("300.00"), due_date=date(2026, 3, 1))
        _pay(debt, "300.00", date(2026, 4, 2))

        assert _position(debt) == (D("300.00"), 30, None, "1-30", D("300.00"), date(2026, 3, 1))

    def test_settled_written_off_and_closed_debts_are_left_out(self, portfolio):
        kept = DebtFactory(debtor__portfolio=portfolio, status=DebtStatus.IN_ARRANGEMENT)
        for status in (DebtStatus.SETTLED, DebtStatus.WRITTEN_OFF, DebtStatus.CLOSED):
            DebtFactory(debtor__portfolio=portfolio, status=status)
        DebtFactory(debtor__portfolio=PortfolioFactory())

        assert read_snapshot(portfolio=portfolio, as_of=AS_OF).get_column("debt_id").to_list() == [kept.pk]

    def test_a_closed_debt_stays_while_its_case_is_in_a_stage_or_has_an_open_promise(self, portfolio):
        staged = DebtFactory(debtor__portfolio=portfolio, status=DebtStatus.SETTLED)
        CaseFactory(debt=staged, stage="early", stage_entered_on=date(2026, 3, 20))
        promised = DebtFactory(debtor__portfolio=portfolio, status=DebtStatus.SETTLED)
        PromiseFactory(case=CaseFactory(debt=promised, stage=""))
        done = DebtFactory(debtor__portfolio=portfolio, status=DebtStatus.SETTLED)
        CaseFactory(debt=done, stage="")

        ids = read_snapshot(portfolio=portfolio, as_of=AS_OF).get_column("debt_id").to_list()

        assert ids == [staged.pk, promised.pk]

    def test_month_end_due_dates_fall_on_the_last_day_of_shorter_months(self, portfolio):
        debt = DebtFactory(
            debtor__portfolio=portfolio,
            principal=D("3000.00"),
            due_date=date(2026, 1, 31),
            instalment_count=3,
        )
        leap = DebtFactory(
            debtor__portfolio=portfolio,
            principal=D("2000.00"),
            due_date=date(2024, 1, 31),
            instalment_count=2,
        )
        _pay(leap, "1000.00", date(2024, 1, 31))

        assert _position(debt, date(2026, 2, 28))[1:3] == (28, 0)
        assert _position(debt, date(2026, 3, 1))[1:3] == (29, 30)
        assert _position(leap, date(2024, 2, 29))[1:3] == (0, 0)
        assert _position(leap, date(2024, 3, 1))[1:] == (1, None, "1-30", D("1000.00"), date(2024, 2, 29))

    def test_every_hand_built_debt_agrees_with_the_ledger(self, portfolio):
        for day in (5, 20, 28, 29, 30, 31):
            debt = DebtFactory(
                debtor__portfolio=portfolio,
                principal=D("1000.01"),
                due_date=date(2025, 12, day),
                instalment_count=7,
            )
            _pay(debt, "433.17", date(2026, 2, 1))
        DebtFactory(debtor__portfolio=portfolio, disputed=True, charges={"interest": D("3.33")})
        # Shares that round to nothing, and shares whose sum passes the principal (a negative last one).
        for principal, count in ((D("0.10"), 30), (D("0.20"), 30), (D("999"), 360)):
            small = DebtFactory(
                debtor__portfolio=portfolio,
                principal=principal,
                due_date=date(2026, 1, 31),
                instalment_count=count,
            )
            _pay(small, "0.05", date(2026, 2, 1))
        yen = DebtFactory(
            debtor__portfolio=portfolio, currency="JPY", principal=D("100"), due_date=date(2025, 12, 30),
            instalment_count=8,
        )  # fmt: skip
        _pay(yen, "38", date(2026, 2, 1))
        irregular = DebtFactory(
            debtor__portfolio=portfolio, principal=D("900.00"), due_date=date(2026, 1, 31)
        )
        for number, due_date in enumerate((date(2026, 1, 31), date(2026, 1, 31), date(2026, 3, 31)), start=1):
            InstalmentFactory(debt=irregular, number=number, due_date=due_date, principal_due=D("300.00"))
        _pay(irregular, "450.00", date(2026, 2, 1))

        for as_of in (
            date(2025, 11, 30), date(2026, 1, 29), date(2026, 1, 31), date(2026, 2, 27), date(2026, 2, 28),
            date(2026, 3, 30), AS_OF, date(2026, 7, 1),
        ):  # fmt: skip
            _assert_agrees_with_the_ledger(portfolio, as_of)


class TestAddMonths:
    def test_agrees_with_the_schedule_on_every_day_of_a_leap_year_and_its_neighbours(self):
        starts = [date(2023, 1, 1) + timedelta(days=offset) for offset in range(3 * 365 + 1)]
        frame = pl.DataFrame({"start": starts}).join(pl.DataFrame({"months": range(0, 26)}), how="cross")

        moved = frame.select(snapshot.add_months(pl.col("start"), pl.col("months"))).to_series().to_list()

        assert moved == [schedule.add_months(start, months) for start, months in frame.iter_rows()]


class TestCaseFacts:
    def test_reads_stage_reason_score_key_customer_broken_promises_and_last_contact(self, portfolio):
        debt = DebtFactory(debtor__portfolio=portfolio)
        case = CaseFactory(
            debt=debt, stage="early", stage_entered_on=date(2026, 3, 20), delinquency_reason="cash_flow",
            score=640, is_key_customer=True,
        )  # fmt: skip
        PromiseFactory(case=case, broken=True)
        PromiseFactory(case=case, broken=True)
        PromiseFactory(case=case, kept=True)
        # 17:00 UTC on 20 March is 01:00 on 21 March in Shanghai, the portfolio's zone.
        ContactEventFactory(debtor=debt.debtor, occurred_at=datetime(2026, 3, 20, 17, 0, tzinfo=UTC))
        ContactEventFactory(debtor=debt.debtor, occurred_at=datetime(2026, 3, 2, 3, 0, tzinfo=UTC))

        row = _row(debt)

        assert {key: row[key] for key in (
            "case_id", "stage", "stage_entered_on", "days_in_stage", "delinquency_reason", "score",
            "is_key_customer", "broken_promises", "days_since_last_contact",
        )} == {
            "case_id": case.pk, "stage": "early", "stage_entered_on": date(2026, 3, 20), "days_in_stage": 11,
            "delinquency_reason": "cash_flow", "score": 640, "is_key_customer": True, "broken_promises": 2,
            "days_since_last_contact": 10,
        }  # fmt: skip

    def test_a_case_without_a_stage_has_a_null_stage(self, portfolio):
        debt = DebtFactory(debtor__portfolio=portfolio)
        case = CaseFactory(debt=debt, stage="")

        row = _row(debt)

        assert (row["case_id"], row["stage"], row["days_in_stage"], row["broken_promises"]) == (
            case.pk,
            None,
            None,
            0,
        )

    def test_counts_contacts_until_the_end_of_the_as_of_day_in_the_portfolio_zone(self, portfolio):
        debt = DebtFactory(debtor__portfolio=portfolio)
        # 15:59:59 UTC is 23:59:59 on 31 March in Shanghai; 16:00 UTC is already 1 April.
        ContactEventFactory(debtor=debt.debtor, occurred_at=datetime(2026, 3, 31, 16, 0, tzinfo=UTC))
        ContactEventFactory(debtor=debt.debtor, occurred_at=datetime(2026, 3, 25, 9, 0, tzinfo=UTC))

        assert _row(debt)["days_since_last_contact"] == 6

        ContactEventFactory(debtor=debt.debtor, occurred_at=datetime(2026, 3, 31, 15, 59, 59, tzinfo=UTC))

        assert _row(debt)["days_since_last_contact"] == 0

    def test_a_contact_counts_for_every_debt_of_the_debtor(self, portfolio):
        debtor = DebtorFactory(portfolio=portfolio)
        debts = [DebtFactory(debtor=debtor), DebtFactory(debtor=debtor)]
        ContactEventFactory(debtor=debtor, occurred_at=datetime(2026, 3, 30, 2, 0, tzinfo=UTC))

        assert [_row(debt)["days_since_last_contact"] for debt in debts] == [1, 1]


class TestPartitions:
    def test_partitions_split_the_whole_by_debtor_and_agree_with_partition_of(self, portfolio):
        for _index in range(12):
            debtor = DebtorFactory(portfolio=portfolio)
            DebtFactory.create_batch(2, debtor=debtor)
            ContactEventFactory(debtor=debtor)
        whole = read_snapshot(portfolio=portfolio, as_of=AS_OF)

        parts = [read_snapshot(portfolio=portfolio, as_of=AS_OF, partition=n, partitions=3) for n in range(3)]

        assert_frame_equal(pl.concat(parts).sort("debt_id"), whole)
        assert sum(part.height for part in parts) == whole.height == 24
        for number, part in enumerate(parts):
            assert {partition_of(debtor_id, 3) for debtor_id in part.get_column("debtor_id")} <= {number}
        owners = pl.concat([part.with_columns(part=pl.lit(n)) for n, part in enumerate(parts)])
        assert (
            owners.group_by("debtor_id").agg(pl.col("part").n_unique()).get_column("part").to_list()
            == [1] * 12
        )

    def test_partition_of_is_the_arithmetic_hash(self):
        assert [partition_of(debtor_id, 4) for debtor_id in (1, 2, 3, 10**9)] == [
            (2654435761 * debtor_id % 2**32) % 4 for debtor_id in (1, 2, 3, 10**9)
        ]

    def test_refuses_a_partition_outside_the_count(self, portfolio):
        with pytest.raises(ValueError, match=r"partition 3 is not in 0\.\.2"):
            read_snapshot(portfolio=portfolio, as_of=AS_OF, partition=3, partitions=3)
