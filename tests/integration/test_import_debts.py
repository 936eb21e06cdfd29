import csv
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Sum

from arrears.core import crypto
from arrears.core.audit.models import AuditEvent
from arrears.portfolio import contact_values, ledger
from arrears.portfolio.imports import import_debts
from arrears.portfolio.models import ContactPoint, Debt, Debtor, Instalment, LedgerEntry
from tests.factories.portfolio import PortfolioFactory

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOW = datetime(2026, 3, 31, 20, 59, 59, tzinfo=UTC)
HEADER = ["debt_ref", "debtor_ref", "debtor_type", "debtor_name", "product", "currency", "principal",
          "contract_date", "due_date", "phone", "interest", "instalments"]  # fmt: skip
ROW = ["L-1", "C-1", "person", "李娜", "credit_card", "CNY", "1000.00", "2025-01-15", "2025-02-15", "13812345678",
       "10.00", "3"]  # fmt: skip


@pytest.fixture
def portfolio():
    return PortfolioFactory(code="cn-cards", country="CN")


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run(portfolio, source, **options):
    return import_debts(
        portfolio=portfolio, source=source, file_name=source.name, actor=None, now=NOW, **options
    )


def snapshot():
    instalments = Debt.objects.aggregate(total=Sum("instalment_count"))["total"] or 0
    return [
        *(model.objects.count() for model in (Debtor, Debt, ContactPoint)),
        instalments,
        *(model.objects.count() for model in (LedgerEntry, AuditEvent)),
    ]


def schedule_of(debt_ref):
    return [
        (item.number, item.due_date, item.principal_due)
        for item in ledger.get_schedule(debt=Debt.objects.get(external_ref=debt_ref))
    ]


class TestFirstImport:
    def test_loads_the_utf8_example_with_debtors_contacts_schedules_and_charges(self, portfolio):
        result = run(portfolio, EXAMPLES / "debts.csv")

        assert (result.total, result.accepted, result.inserted, result.rejected, result.applied) == (
            5,
            5,
            5,
            [],
            True,
        )
        assert snapshot() == [4, 5, 13, 39, 14, 1]

    def test_books_each_charge_once_with_an_import_key(self, portfolio):
        run(portfolio, EXAMPLES / "debts.csv")

        entries = LedgerEntry.objects.filter(debt__external_ref="CC-1001").order_by("id")
        assert [(e.kind, e.amount, e.effective_date, e.idempotency_key) for e in entries] == [
            ("principal", Decimal("12500.00"), date(2025, 9, 15), "import:principal"),
            ("interest", Decimal("856.40"), date(2025, 9, 15), "import:interest"),
            ("penalty", Decimal("120.00"), date(2025, 9, 15), "import:penalty"),
            ("fee", Decimal("50.00"), date(2025, 9, 15), "import:fee"),
        ]

    def test_splits_the_principal_into_monthly_instalments_with_the_remainder_last(self, portfolio, tmp_path):
        rows = [ROW, ["L-2", "C-2", "person", "王伟", "consumer_loan", "CNY", "100.00", "2025-12-01", "2026-01-31",
                      "", "", "3"]]  # fmt: skip

        run(portfolio, write_csv(tmp_path / "d.csv", rows))

        assert schedule_of("L-2") == [
            (1, date(2026, 1, 31), Decimal("33.33")),
            (2, date(2026, 2, 28), Decimal("33.33")),
            (3, date(2026, 3, 31), Decimal("33.34")),
        ]

    def test_stores_the_schedule_as_terms_not_rows(self, portfolio, tmp_path):
        run(portfolio, write_csv(tmp_path / "d.csv", [[*ROW[:-1], "3"]]))

        assert Debt.objects.get().instalment_count == 3
        assert Instalment.objects.count() == 0

    def test_encrypts_personal_data_and_sets_the_lookup_hashes(self, portfolio):
        run(portfolio, EXAMPLES / "debts.csv")

        debtor = Debtor.objects.get(external_ref="P-002")
        with connection.cursor() as cursor:
            cursor.execute("SELECT national_id FROM portfolio_debtor WHERE id = %s", [debtor.pk])
            stored = cursor.fetchone()[0]
        assert stored.startswith(f"{crypto.current_key_id()}:")
        assert debtor.national_id == "44030119900101002X"
        assert debtor.national_id_hash == contact_values.lookup_hash_for("national_id", "44030119900101002X")
        phone = ContactPoint.objects.get(debtor=debtor, kind="phone")
        assert phone.value == "+8613900002222"
        assert phone.value_hash == contact_values.lookup_hash_for("phone", "+8613900002222")

    def test_normalises_phones_to_e164_with_their_zones_and_one_contact_per_value(self, portfolio):
        run(portfolio, EXAMPLES / "debts.csv")

        points = {
            (p.debtor.external_ref, p.value): (p.region, p.time_zones, p.is_primary, p.source)
            for p in ContactPoint.objects.filter(kind="phone").select_related("debtor")
        }
        assert points == {
            ("P-001", "+8613812345678"): ("CN", ["Asia/Shanghai"], True, "import"),
            ("P-001", "+8613900001111"): ("CN", ["Asia/Shanghai"], False, "import"),
            ("P-002", "+8613900002222"): ("CN", ["Asia/Shanghai"], True, "import"),
            ("P-003", "+14155550123"): ("US", ["America/Los_Angeles"], True, "import"),
            ("B-001", "+862168888888"): ("CN", ["Asia/Shanghai"], True, "import"),
        }

    def test_reads_gb18030_with_chinese_names(self, portfolio):
        result = run(portfolio, EXAMPLES / "debts-gbk.csv")

        assert result.inserted == 5
        assert Debtor.objects.get(external_ref="G-001").name == "李娜"
        assert Debtor.objects.get(external_ref="B-001").name == "上海远景贸易有限公司"

    def test_reads_utf8_with_a_byte_order_mark(self, portfolio, tmp_path):
        result = run(portfolio, write_csv(tmp_path / "bom.csv", [ROW], encoding="utf-8-sig"))

        assert (result.inserted, result.rejected) == (1, [])
        assert Debt.objects.get().external_ref == "L-1"

    def test_reads_xlsx_with_numeric_and_date_cells(self, portfolio):
        result = run(portfolio, EXAMPLES / "debts.xlsx")

        assert (result.inserted, result.rejected) == (3, [])
        debt = Debt.objects.get(external_ref="XL-1001")
        assert (debt.principal, debt.contract_date) == (Decimal("12500.50"), date(2025, 3, 15))
        assert ContactPoint.objects.get(debtor__external_ref="X-001", kind="phone").value == "+8613812340000"
        assert len(schedule_of("XL-1003")) == 6

    def test_records_one_audit_event_with_counts_and_the_files_digest(self, portfolio):
        path = EXAMPLES / "debts.csv"

        run(portfolio, path)

        event = AuditEvent.objects.get()
        assert (event.action, event.object_id, event.portfolio_id) == (
            "portfolio.import_debts", str(portfolio.pk), portfolio.pk,
        )  # fmt: skip
        assert event.after["file_name"] == "debts.csv"
        assert event.after["inserted"] == 5
        assert event.after["sha256"] == __import__("hashlib").sha256(path.read_bytes()).hexdigest()


class TestReimport:
    def test_the_same_file_again_changes_nothing(self, portfolio):
        run(portfolio, EXAMPLES / "debts.csv")
        before = snapshot()

        result = run(portfolio, EXAMPLES / "debts.csv")

        assert (result.inserted, result.updated, result.unchanged) == (0, 0, 5)
        assert snapshot() == [*before[:-1], before[-1] + 1]

    def test_a_changed_row_updates_the_debt_and_posts_the_differences_as_adjustments(
        self, portfolio, tmp_path
    ):
        run(portfolio, write_csv(tmp_path / "d.csv", [ROW]))
        changed = [*ROW[:6], "1,100.55", *ROW[7:10], "7.45", "3"]

        result = run(portfolio, write_csv(tmp_path / "d.csv", [changed]))

        debt = Debt.objects.get()
        assert (result.updated, debt.principal) == (1, Decimal("1100.55"))
        adjustments = LedgerEntry.objects.filter(kind="adjustment").order_by("component")
        assert [(e.component, e.amount, e.effective_date) for e in adjustments] == [
            ("interest", Decimal("-2.55"), date(2026, 3, 31)),
            ("principal", Decimal("100.55"), date(2026, 3, 31)),
        ]
        assert adjustments[0].idempotency_key == f"import:{debt.import_fingerprint}:interest:2"
        balances = ledger.get_balances(debt_id=debt.pk)
        assert (balances.components["principal"], balances.components["interest"]) == (
            Decimal("1100.55"), Decimal("7.45"),
        )  # fmt: skip
        assert [principal for _number, _due, principal in schedule_of(debt.external_ref)] == [
            Decimal("366.85"), Decimal("366.85"), Decimal("366.85"),
        ]  # fmt: skip

    def test_changing_back_and_forth_keeps_the_ledger_equal_to_the_file(self, portfolio, tmp_path):
        changed = [*ROW[:6], "900.00", *ROW[7:]]
        for rows in ([ROW], [changed], [ROW], [changed]):
            run(portfolio, write_csv(tmp_path / "d.csv", rows))

        balances = ledger.get_balances(debt_id=Debt.objects.get().pk)
        assert balances.components["principal"] == Decimal("900.00")
        assert LedgerEntry.objects.filter(kind="adjustment").count() == 3

    def test_a_new_phone_adds_a_contact_point_and_keeps_the_old_one(self, portfolio, tmp_path):
        run(portfolio, write_csv(tmp_path / "d.csv", [ROW]))

        run(portfolio, write_csv(tmp_path / "d.csv", [[*ROW[:9], "13900001111", *ROW[10:]]]))

        phones = ContactPoint.objects.filter(kind="phone").order_by("id")
        assert [(p.value, p.is_primary) for p in phones] == [
            ("+8613812345678", True),
            ("+8613900001111", False),
        ]

    def test_refuses_moving_a_debt_to_another_debtor(self, portfolio, tmp_path):
        run(portfolio, write_csv(tmp_path / "d.csv", [ROW]))

        result = run(portfolio, write_csv(tmp_path / "d.csv", [[ROW[0], "C-9", *ROW[2:]]]))

        assert [(e.row, e.column, e.value, e.message) for e in result.rejected] == [
            (2, "debtor_ref", "C-9", "This debt belongs to debtor C-1; a debt cannot move to another debtor.")
        ]
        assert Debt.objects.get().debtor.external_ref == "C-1"

    def test_refuses_changing_a_debts_currency(self, portfolio, tmp_path):
        run(portfolio, write_csv(tmp_path / "d.csv", [ROW]))

        result = run(portfolio, write_csv(tmp_path / "d.csv", [[*ROW[:5], "USD", *ROW[6:]]]))

        assert [(e.column, e.message) for e in result.rejected] == [
            ("currency", "This debt is in CNY; its currency cannot change.")
        ]


class TestRefusals:
    def test_by_default_applies_the_valid_rows_and_reports_the_rest(self, portfolio):
        result = run(portfolio, EXAMPLES / "debts-with-errors.csv")

        assert (result.total, result.accepted, result.inserted, result.applied) == (7, 1, 1, True)
        assert list(Debt.objects.values_list("external_ref", flat=True)) == ["CC-9001"]

    def test_strict_mode_applies_nothing_when_a_row_is_rejected(self, portfolio):
        before = snapshot()

        result = run(portfolio, EXAMPLES / "debts-with-errors.csv", strict=True)

        assert (result.accepted, result.applied) == (1, False)
        assert snapshot() == before

    def test_dry_run_validates_and_counts_but_changes_nothing(self, portfolio):
        before = snapshot()

        result = run(portfolio, EXAMPLES / "debts.csv", dry_run=True)

        assert (result.inserted, result.rejected, result.applied) == (5, [], False)
        assert snapshot() == before

    def test_a_missing_required_column_rejects_the_whole_file(self, portfolio, tmp_path):
        header = [name for name in HEADER if name != "currency"]
        rows = [[value for name, value in zip(HEADER, ROW, strict=True) if name != "currency"]]

        result = run(portfolio, write_csv(tmp_path / "d.csv", rows, header=header))

        assert [(e.row, e.column, e.message) for e in result.rejected] == [
            (1, "currency", "Required column is missing; nothing was imported.")
        ]
        assert (result.accepted, result.applied, Debt.objects.count()) == (0, False, 0)
