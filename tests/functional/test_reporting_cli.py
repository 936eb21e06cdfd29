"""`arrears reporting`: exports that open and hold the numbers, refresh and snapshot."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from arrears.reporting.models import Fact, Metric
from tests.factories.reporting import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def run(*args):
    out = io.StringIO()
    call_command("reporting", *args, stdout=out)
    return out.getvalue()


class TestExport:
    def test_writes_a_kpi_as_xlsx(self, world, tmp_path):
        target = tmp_path / "recovery.xlsx"

        printed = run("export", "--kpi", "recovery", "--format", "xlsx", "--out", str(target),
                      "--portfolio", "rep", "--since", "2026-02-01", "--until", "2026-02-28")  # fmt: skip

        sheet = load_workbook(target)["recovery"]
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        assert rows[0][:4] == ("2026-01", 4, 10000, 1750.75)
        assert f"Wrote {target}." in printed

    def test_writes_a_dashboard_as_csv_each_table_under_its_title(self, world, tmp_path):
        target = tmp_path / "contacts.csv"

        run("export", "--dashboard", "contacts", "--format", "csv", "--out", str(target), "--portfolio", "rep",
            "--since", "2026-02-01", "--until", "2026-02-28")  # fmt: skip

        rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
        assert rows[0] == ["Contacts and promises"]
        assert ["Promises kept", "1", "500.50"] in rows
        assert ["quiet_hours", "2"] in rows

    def test_an_unknown_portfolio_fails_with_a_message(self, world, tmp_path):
        with pytest.raises(CommandError, match="no portfolio nowhere"):
            run(
                "export",
                "--kpi",
                "aging",
                "--format",
                "csv",
                "--out",
                str(tmp_path / "x.csv"),
                "--portfolio",
                "nowhere",
            )


class TestRefresh:
    def test_rewrites_the_facts_of_the_days(self, world):
        Fact.objects.filter(metric=Metric.COLLECTED).delete()

        printed = run("refresh", "--since", "2026-02-01", "--until", "2026-02-28")

        assert Fact.objects.filter(metric=Metric.COLLECTED, by_collector=False).count() == 2
        assert "facts written for 2026-02-01 to 2026-02-28" in printed
