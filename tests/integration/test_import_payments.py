import csv
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from arrears.core.audit.models import AuditEvent
from arrears.portfolio import ledger
from arrears.portfolio.imports import import_debts, import_payments
from arrears.portfolio.models import Debt, LedgerEntry, Payment
from tests.factories.portfolio import DebtFactory, PortfolioFactory

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOW = datetime(2026, 3, 31, 20, 59, 59, tzinfo=UTC)
HEADER = ["payment_ref", "debt_ref", "amount", "currency", "received_date", "channel"]


@pytest.fixture
def portfolio():
    return PortfolioFactory(code="cn-cards", country="CN")


@pytest.fixture
def debt(portfolio):
    """CNY 1,000.00 principal, 30.00 interest, 20.00 penalty, 5.00 fee."""
    return DebtFactory(
        debtor__portfolio=portfolio,
        external_ref="L-1",
        principal=Decimal("1000.00"),
        charges={"interest": Decimal("30.00"), "penalty": Decimal("20.00"), "fee": Decimal("5.00")},
    )


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run(portfolio, source, **options):
    return import_payments(
        portfolio=portfolio, source=source, file_name=source.name, actor=None, now=NOW, **options
    )


def allocation_of(reference):
    entries = LedgerEntry.objects.filter(payment__external_ref=reference).order_by("id")
    return [(e.component, e.amount, e.effective_date, e.idempotency_key) for e in entries]


class TestPosting:
    def test_allocates_fee_penalty_interest_then_principal(self, portfolio, debt, tmp_path):
        result = run(
            portfolio, write_csv(tmp_path / "p.csv", [["P-1", "L-1", "100.00", "CNY", "2026-03-01", "card"]])
        )

        assert (result.inserted, result.rejected, result.applied) == (1, [], True)
        assert allocation_of("P-1") == [
            ("fee", Decimal("-5.00"), date(2026, 3, 1), "payment:P-1:fee"),
            ("penalty", Decimal("-20.00"), date(2026, 3, 1), "payment:P-1:penalty"),
            ("interest", Decimal("-30.00"), date(2026, 3, 1), "payment:P-1:interest"),
            ("principal", Decimal("-45.00"), date(2026, 3, 1), "payment:P-1:principal"),
        ]
        payment = Payment.objects.get()
        assert (payment.amount, payment.channel, payment.source, payment.debt_id) == (
            Decimal("100.00"), "card", "import", debt.pk,
        )  # fmt: skip

    def test_allocates_several_payments_for_one_debt_in_received_order(self, portfolio, debt, tmp_path):
        rows = [
            ["P-LATE", "L-1", "40.00", "CNY", "2026-03-05", ""],
            ["P-EARLY", "L-1", "10.00", "CNY", "2026-03-01", ""],
        ]

        run(portfolio, write_csv(tmp_path / "p.csv", rows))

        assert [(c, a) for c, a, _, _ in allocation_of("P-EARLY")] == [
            ("fee", Decimal("-5.00")),
            ("penalty", Decimal("-5.00")),
        ]
        assert [(c, a) for c, a, _, _ in allocation_of("P-LATE")] == [
            ("penalty", Decimal("-15.00")), ("interest", Decimal("-25.00")),
        ]  # fmt: skip
        assert Payment.objects.get(external_ref="P-EARLY").channel == "bank_transfer"

    def test_money_beyond_the_balance_is_overpayment_and_settles_the_debt(self, portfolio, debt, tmp_path):
        run(portfolio, write_csv(tmp_path / "p.csv", [["P-1", "L-1", "1,100.00", "CNY", "2026-03-01", ""]]))

        balances = ledger.get_balances(debt_id=debt.pk)
        assert (balances.total, balances.overpayment) == (Decimal("0.00"), Decimal("45.00"))
        assert Debt.objects.get().status == "settled"

    def test_loads_the_example_after_the_example_debts(self, portfolio):
        import_debts(
            portfolio=portfolio, source=EXAMPLES / "debts.csv", file_name="debts.csv", actor=None, now=NOW
        )

        result = run(portfolio, EXAMPLES / "payments.csv")

        assert (result.inserted, result.rejected) == (5, [])
        assert ledger.get_balances(debt_id=Debt.objects.get(external_ref="CL-2001").pk).components == {
            "principal": Decimal("31500.00"), "interest": Decimal("0.00"),
            "penalty": Decimal("0.00"), "fee": Decimal("0.00"),
        }  # fmt: skip

    def test_records_one_audit_event(self, portfolio, debt, tmp_path):
        run(portfolio, write_csv(tmp_path / "p.csv", [["P-1", "L-1", "10.00", "CNY", "2026-03-01", ""]]))

        event = AuditEvent.objects.get(action="portfolio.import_payments")
        assert (event.after["inserted"], event.after["file_name"]) == (1, "p.csv")


class TestReimport:
    def test_the_same_payment_again_is_left_as_it_is(self, portfolio, debt, tmp_path):
        path = write_csv(tmp_path / "p.csv", [["P-1", "L-1", "100.00", "CNY", "2026-03-01", ""]])
        run(portfolio, path)

        result = run(portfolio, path)

        assert (result.inserted, result.unchanged, result.rejected) == (0, 1, [])
        assert (Payment.objects.count(), LedgerEntry.objects.filter(kind="payment").count()) == (1, 4)

    def test_the_same_reference_with_another_amount_is_rejected(self, portfolio, debt, tmp_path):
        run(portfolio, write_csv(tmp_path / "p.csv", [["P-1", "L-1", "100.00", "CNY", "2026-03-01", ""]]))

        result = run(
            portfolio, write_csv(tmp_path / "p.csv", [["P-1", "L-1", "200.00", "CNY", "2026-03-01", ""]])
        )

        assert [(e.row, e.column, e.value, e.message) for e in result.rejected] == [
            (
                2,
                "payment_ref",
                "P-1",
                "This payment reference was already used for a different debt or amount.",
            )
        ]
        assert Payment.objects.get().amount == Decimal("100.00")


class TestRefusals:
    def test_reports_each_bad_row_and_posts_the_good_ones(self, portfolio, debt, tmp_path):
        DebtFactory(debtor__portfolio=portfolio, external_ref="U-1", currency="USD")
        rows = [
            ["P-1", "L-1", "10.00", "CNY", "2026-03-01", ""],
            ["P-2", "NOPE", "10.00", "CNY", "2026-03-01", ""],
            ["P-3", "U-1", "10.00", "CNY", "2026-03-01", ""],
            ["P-1", "L-1", "10.00", "CNY", "2026-03-01", ""],
            ["P-5", "L-1", "0", "CNY", "2026-03-01", ""],
            ["P-6", "L-1", "1.001", "CNY", "2026-3-1", "pigeon"],
        ]

        result = run(portfolio, write_csv(tmp_path / "p.csv", rows))

        assert [(e.row, e.column, e.value, e.message) for e in result.rejected] == [
            (3, "debt_ref", "NOPE", "No debt with this reference in the portfolio."),
            (4, "currency", "CNY", "Differs from the debt's currency USD."),
            (5, "payment_ref", "P-1", "Duplicate reference: row 2 has it first."),
            (6, "amount", "0", "Must be greater than zero."),
            (7, "amount", "1.001", "Too many decimals for CNY (at most 2)."),
            (7, "received_date", "2026-3-1", "Not a date in the format YYYY-MM-DD."),
            (7, "channel", "pigeon",
             "Unknown value; expected one of: bank_transfer, card, cash, direct_debit, wallet, portal, other."),
        ]  # fmt: skip
        assert list(Payment.objects.values_list("external_ref", flat=True)) == ["P-1"]

    def test_strict_mode_posts_nothing(self, portfolio, debt, tmp_path):
        rows = [
            ["P-1", "L-1", "10.00", "CNY", "2026-03-01", ""],
            ["P-2", "NOPE", "10.00", "CNY", "2026-03-01", ""],
        ]

        result = run(portfolio, write_csv(tmp_path / "p.csv", rows), strict=True)

        assert (result.accepted, result.applied) == (1, False)
        assert (Payment.objects.count(), AuditEvent.objects.count()) == (0, 0)

    def test_dry_run_posts_nothing(self, portfolio, debt, tmp_path):
        result = run(portfolio, write_csv(tmp_path / "p.csv", [["P-1", "L-1", "10.00", "CNY", "2026-03-01", ""]]),
                     dry_run=True)  # fmt: skip

        assert (result.inserted, result.applied, Payment.objects.count()) == (1, False, 0)


class TestExactBalances:
    def test_a_payment_of_the_exact_balance_settles_a_debt_whose_entries_do_not_sum_exactly_in_binary(
        self, portfolio, tmp_path
    ):
        # SQLite adds decimals in floating point: 1149.80 - 384.37 - 327.14 - 387.11 comes back as 51.1799999999999.
        small = DebtFactory(debtor__portfolio=portfolio, external_ref="L-2", principal=Decimal("1149.80"))
        for number, amount in enumerate(["-384.37", "-327.14", "-387.11"]):
            LedgerEntry.objects.create(
                debt=small, kind="adjustment", component="principal", amount=Decimal(amount),
                effective_date=date(2026, 3, 1), posted_at=NOW, source="import", idempotency_key=f"fix:{number}",
            )  # fmt: skip

        run(portfolio, write_csv(tmp_path / "p.csv", [["P-9", "L-2", "51.18", "CNY", "2026-03-02", "card"]]))

        small.refresh_from_db()
        assert small.status == "settled"
        assert allocation_of("P-9") == [
            ("principal", Decimal("-51.18"), date(2026, 3, 2), "payment:P-9:principal")
        ]
