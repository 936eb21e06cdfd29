import csv
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from arrears.portfolio.models import Debt, Payment
from tests.factories.portfolio import PortfolioFactory

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def portfolio():
    return PortfolioFactory(code="cn-cards", country="CN")


@pytest.fixture
def workdir(tmp_path):
    for name in ("debts.csv", "debts-with-errors.csv", "payments.csv"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    return tmp_path


def run_import(*args):
    try:
        call_command("import", *map(str, args))
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, ""


class TestImportCommand:
    def test_exits_0_and_prints_the_counts_when_every_row_is_accepted(self, portfolio, workdir, capsys):
        code, _ = run_import("debts", workdir / "debts.csv", "--portfolio", "cn-cards")

        assert code == 0
        assert Debt.objects.count() == 5
        assert "New" in capsys.readouterr().out
        assert not (workdir / "debts.csv.rejected.csv").exists()

    def test_exits_1_and_writes_the_rejected_rows_to_the_report(self, portfolio, workdir):
        code, message = run_import("debts", workdir / "debts-with-errors.csv", "--portfolio", "cn-cards")

        assert code == 1
        assert "15 problems found" in message
        with (workdir / "debts-with-errors.csv.rejected.csv").open(encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
        assert rows[:3] == [
            ["row", "column", "value", "message"],
            ["1", "colour", "colour", "Unknown column; its values were not imported."],
            ["3", "principal", "-20.00", "Must not be negative."],
        ]
        assert len(rows) == 16

    def test_writes_the_report_where_asked(self, portfolio, workdir):
        report = workdir / "out" / "report.csv"
        report.parent.mkdir()

        run_import("debts", workdir / "debts-with-errors.csv", "--portfolio", "cn-cards", "--report", report)

        assert report.exists()

    def test_strict_and_dry_run_change_nothing(self, portfolio, workdir):
        strict, _ = run_import(
            "debts", workdir / "debts-with-errors.csv", "--portfolio", "cn-cards", "--strict"
        )
        dry, _ = run_import("debts", workdir / "debts.csv", "--portfolio", "cn-cards", "--dry-run")

        assert (strict, dry, Debt.objects.count()) == (1, 0, 0)

    def test_imports_payments(self, portfolio, workdir):
        run_import("debts", workdir / "debts.csv", "--portfolio", "cn-cards")

        code, _ = run_import("payments", workdir / "payments.csv", "--portfolio", "cn-cards")

        assert (code, Payment.objects.count()) == (0, 5)

    def test_exits_2_for_an_unreadable_file(self, portfolio, workdir):
        broken = workdir / "broken.xlsx"
        broken.write_bytes(b"not a spreadsheet")

        code, message = run_import("debts", broken, "--portfolio", "cn-cards")

        assert code == 2
        assert message.startswith("The file broken.xlsx cannot be read")

    def test_exits_2_for_a_missing_file(self, portfolio, workdir):
        code, message = run_import("debts", workdir / "nope.csv", "--portfolio", "cn-cards")

        assert (code, message) == (2, f"There is no file {workdir / 'nope.csv'}.")

    def test_exits_2_for_an_unknown_portfolio(self, workdir):
        code, message = run_import(
            "debts", workdir / "debts.csv", "--portfolio", "nope", "--language", "zh-hans"
        )

        assert code == 2
        assert "nope" in message
        assert Debt.objects.count() == 0
