"""The reporting API: KPIs as JSON, the rows behind a number, exports; within the caller's portfolios."""

import io
from datetime import UTC, datetime

import pytest
from django.test import Client
from openpyxl import load_workbook

from arrears.people import tokens
from tests.factories.reporting import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def bearer(user):
    token = tokens.issue_token(user=user, name="bi", actor=None, now=datetime(2026, 3, 1, tzinfo=UTC))
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def february(world):
    return f"portfolio={world.portfolio.pk}&since=2026-02-01&until=2026-02-28"


class TestKpis:
    def test_returns_the_rows_of_a_kpi_with_exact_amounts(self, world):
        body = bearer(world.supervisor).get(f"/api/v1/reports/kpis/collected_month?{february(world)}").json()

        assert body["rows"] == [{"period": "2026-02-01", "count": 3, "amount": "1750.75"}]
        assert body["drills"][0]["amount"] == {
            "metric": "collected",
            "key": "",
            "from": "2026-02-01",
            "to": "2026-02-28",
        }

    def test_the_drill_of_a_cell_adds_up_to_it(self, world):
        client = bearer(world.supervisor)
        body = client.get(f"/api/v1/reports/kpis/recovery?{february(world)}").json()
        cell = body["drills"][0]["collected"]

        drill = client.get(
            f"/api/v1/reports/drill?{february(world)}&metric={cell['metric']}&key={cell['key']}"
            f"&start={cell['from']}&end={cell['to']}"
        ).json()

        assert (drill["count"], drill["amount"]) == (3, "1750.75")
        assert body["rows"][0]["collected"] == "1750.75"

    def test_a_collector_is_refused(self, world):
        response = bearer(world.x).get("/api/v1/reports/kpis/aging")

        assert response.status_code == 403

    def test_an_unknown_kpi_is_not_found(self, world):
        assert bearer(world.supervisor).get("/api/v1/reports/kpis/happiness").status_code == 404


class TestExport:
    def test_xlsx_of_a_kpi_holds_its_numbers(self, world):
        response = bearer(world.supervisor).get(
            f"/api/v1/reports/export/refusals?{february(world)}&format=xlsx"
        )

        sheet = load_workbook(io.BytesIO(response.content))["refusals"]
        assert list(sheet.iter_rows(values_only=True)) == [
            ("Rule", "Refusals"),
            ("quiet_hours", 2),
            ("daily_cap", 1),
        ]

    def test_an_unknown_format_is_refused(self, world):
        response = bearer(world.supervisor).get(f"/api/v1/reports/export/aging?{february(world)}&format=pdf")

        assert response.status_code == 422
