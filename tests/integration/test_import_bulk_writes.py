"""The bulk-write mechanisms behind the import: set-based CHECKs, reserved ids, sealing in a second process."""

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from django.db import IntegrityError, connection, transaction

from arrears.portfolio import contact_values
from arrears.portfolio.imports import database, import_debts, sealing
from arrears.portfolio.models import ContactPoint, Debt, Debtor, LedgerEntry
from tests.factories.portfolio import PortfolioFactory

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOW = datetime(2026, 3, 31, 20, 59, 59, tzinfo=UTC)


@pytest.fixture
def debt():
    portfolio = PortfolioFactory(code="cn-cards", country="CN")
    import_debts(
        portfolio=portfolio, source=EXAMPLES / "debts.csv", file_name="debts.csv", actor=None, now=NOW
    )
    return Debt.objects.get(external_ref="CC-1001")


def entries(debt_id: int, rows: list[tuple[str, str]]) -> pl.DataFrame:
    """Ledger rows of ``debt_id``: (kind, amount) each, as the import hands them to ``insert_frame``."""
    return pl.DataFrame(
        {
            "debt_id": [debt_id] * len(rows),
            "kind": [kind for kind, _ in rows],
            "component": ["fee"] * len(rows),
            "amount": [amount for _, amount in rows],
            "effective_date": ["2026-03-31"] * len(rows),
            "posted_at": [database.stored_datetime(NOW)] * len(rows),
            "source": ["import"] * len(rows),
            "idempotency_key": [f"test:{index}" for index in range(len(rows))],
            "note": [""] * len(rows),
        }
    )


class TestChecksAfterALargeInsert:
    @pytest.fixture(autouse=True)
    def every_insert_is_large(self, monkeypatch):
        monkeypatch.setattr(database, "SQLITE_CHECK_AFTER_ROWS", 1)

    def test_valid_rows_go_in(self, debt):
        with transaction.atomic():
            database.insert_frame(LedgerEntry, entries(debt.pk, [("fee", "5.00"), ("waiver", "-2.50")]))

        assert list(
            LedgerEntry.objects.filter(idempotency_key__startswith="test:").values_list("kind", "amount")
        ) == [("fee", Decimal("5.00")), ("waiver", Decimal("-2.50"))]

    def test_a_row_breaking_a_check_refuses_the_whole_insert_and_the_transaction(self, debt):
        before = LedgerEntry.objects.count()

        with pytest.raises(IntegrityError, match="ledger_entry_sign_by_kind"), transaction.atomic():
            Debtor.objects.filter(pk=debt.debtor_id).update(name="changed in the same transaction")
            # A waiver must be negative: the second row breaks the sign rule.
            database.insert_frame(LedgerEntry, entries(debt.pk, [("fee", "5.00"), ("waiver", "2.50")]))

        assert LedgerEntry.objects.count() == before
        assert Debtor.objects.get(pk=debt.debtor_id).name != "changed in the same transaction"

    def test_checks_are_enforced_row_by_row_again_afterwards(self, debt):
        with transaction.atomic():
            database.insert_frame(LedgerEntry, entries(debt.pk, [("fee", "5.00")]))

        with pytest.raises(IntegrityError), transaction.atomic():
            LedgerEntry.objects.create(
                debt=debt, kind="fee", component="fee", amount=Decimal("-1.00"), effective_date=date(2026, 3, 31),
                posted_at=NOW, source="import", idempotency_key="test:negative-fee",
            )  # fmt: skip


class TestReservedIds:
    def test_reservations_in_one_transaction_never_overlap_and_rows_can_use_them(self, debt):
        with transaction.atomic():
            first = database.reserve_ids(Debtor, 3).to_list()
            second = database.reserve_ids(Debtor, 2).to_list()

        assert first == sorted(first) and second == sorted(second)
        assert not set(first) & set(second)
        assert min(first) > Debtor.objects.order_by("-pk").values_list("pk", flat=True).first()

    def test_nothing_reserved_is_an_empty_column(self):
        assert database.reserve_ids(Debtor, 0).to_list() == []


class TestSealingInASecondProcess:
    def test_the_child_seals_exactly_as_this_process_does(self, monkeypatch):
        monkeypatch.setattr(sealing, "IN_PROCESS_BELOW_ROWS", 1)
        portfolio = PortfolioFactory(code="cn-cards", country="CN")

        result = import_debts(
            portfolio=portfolio, source=EXAMPLES / "debts.csv", file_name="debts.csv", actor=None, now=NOW
        )

        assert (result.inserted, result.rejected) == (5, [])
        debtor = Debtor.objects.get(external_ref="P-002")
        assert debtor.national_id == "44030119900101002X"
        assert debtor.national_id_hash == contact_values.lookup_hash_for("national_id", "44030119900101002X")
        phone = ContactPoint.objects.get(debtor=debtor, kind="phone")
        assert (phone.value, phone.time_zones) == ("+8613900002222", ["Asia/Shanghai"])
        assert phone.value_hash == contact_values.lookup_hash_for("phone", "+8613900002222")
        assert ContactPoint.objects.count() == 13
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM portfolio_debtor WHERE national_id_hash IS NULL")
            assert cursor.fetchone()[0] == 1  # the company


class TestBulkLoad:
    def index_names(self):
        with connection.cursor() as cursor:
            return {
                name
                for table in ("portfolio_debt", "portfolio_ledgerentry")
                for name, info in connection.introspection.get_constraints(cursor, table).items()
                if info["index"] or info["foreign_key"]
            }

    def test_indexes_and_keys_are_all_back_after_the_load(self, debt):
        before = self.index_names()

        with transaction.atomic(), database.bulk_load([Debt, LedgerEntry], [Debtor], bulk=True):
            database.insert_frame(LedgerEntry, entries(debt.pk, [("fee", "5.00")]))
            assert self.index_names() < before  # dropped while loading

        assert self.index_names() == before
        assert LedgerEntry.objects.filter(debt=debt, idempotency_key="test:0").exists()

    @pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL drops the keys themselves")
    def test_sqlite_keeps_the_index_behind_a_key_to_a_table_written_later(self, debt):
        # Debtors are written after their debts: SQLite settles each debt's deferred key through it.
        with connection.cursor() as cursor:
            debt_indexes = connection.introspection.get_constraints(cursor, "portfolio_debt")
        by_debtor = {
            name for name, info in debt_indexes.items() if info["index"] and info["columns"] == ["debtor_id"]
        }

        assert by_debtor
        with transaction.atomic(), database.bulk_load([Debtor, Debt], [], bulk=True):
            assert by_debtor <= self.index_names()

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite checks its deferred keys at commit")
    def test_a_row_pointing_nowhere_fails_the_load_when_the_key_is_added_back(self, debt):
        loading = database.bulk_load([Debt, LedgerEntry], [Debtor], bulk=True)
        with pytest.raises(IntegrityError), transaction.atomic(), loading:
            database.insert_frame(LedgerEntry, entries(debt.pk + 1000, [("fee", "5.00")]))

        assert not LedgerEntry.objects.filter(idempotency_key="test:0").exists()
