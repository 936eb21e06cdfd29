"""The reports pages: dashboards show the hand-computed numbers, each links to rows that add up to it, exports hold them."""

import csv
import io
import re
from decimal import Decimal
from html import unescape

import pytest
from openpyxl import load_workbook

from arrears.reporting.models import Fact
from tests.factories.people import UserFactory
from tests.factories.portfolio import PortfolioFactory
from tests.factories.reporting import build_world

pytestmark = pytest.mark.django_db
FEBRUARY = "since=2026-02-01&until=2026-02-28"


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def supervisor_client(client, world):
    client.force_login(world.supervisor)
    return client


def query(world):
    return f"portfolio={world.portfolio.pk}&{FEBRUARY}"


def link_of(html, text):
    """Return the href of the table cell link whose text is ``text``."""
    match = re.search(r'<a href="([^"]+)">' + re.escape(text) + "</a>", html)
    assert match, f"no link {text}"
    return unescape(match.group(1))


class TestDashboards:
    @pytest.mark.parametrize("name", ["portfolio", "collections", "contacts", "collectors", "arms"])
    def test_each_dashboard_renders_its_charts_and_tables(self, supervisor_client, world, name):
        response = supervisor_client.get(f"/reports/{name}/?{query(world)}")

        assert response.status_code == 200
        assert b"vendor/echarts/echarts.min.js" in response.content
        assert b'class="report"' in response.content

    def test_the_portfolio_dashboard_shows_the_february_aging(self, supervisor_client, world):
        html = supervisor_client.get(f"/reports/portfolio/?{query(world)}").content.decode()

        assert "1,249.25" in html
        assert "Snapshot of 2026-02-28." in html
        assert "50.00 %" in html  # the cure rate

    def test_shows_in_chinese(self, supervisor_client, world):
        supervisor_client.cookies["django_language"] = "zh-hans"

        response = supervisor_client.get(
            f"/reports/portfolio/?{query(world)}", HTTP_ACCEPT_LANGUAGE="zh-hans"
        )

        assert '<html lang="zh-hans">' in response.content.decode()

    def test_a_collector_may_not_see_reports(self, client, world):
        client.force_login(world.x)

        assert client.get("/reports/portfolio/").status_code == 403

    def test_a_portfolio_not_granted_is_not_found(self, supervisor_client, world):
        other = PortfolioFactory(code="elsewhere")

        assert supervisor_client.get(f"/reports/portfolio/?portfolio={other.pk}").status_code == 404

    def test_a_user_sees_only_the_numbers_of_their_portfolios(self, client, world):
        outsider = UserFactory(supervisor=True, portfolios=[PortfolioFactory(code="elsewhere")])
        client.force_login(outsider)

        html = client.get(f"/reports/collections/?{FEBRUARY}").content.decode()

        assert "1,750.75" not in html
        assert Fact.objects.filter(portfolio=world.portfolio).exists()


class TestDrillDown:
    def test_the_collected_amount_links_to_the_payments_that_make_it(self, supervisor_client, world):
        html = supervisor_client.get(f"/reports/collections/?{query(world)}").content.decode()

        drill = supervisor_client.get(link_of(html, "1,500.50")).content.decode()

        assert '<strong id="drill-amount">1,500.50</strong>' in drill
        assert "2 rows" in drill
        assert f'href="/cases/{world.cases["A"].pk}/"' in drill

    def test_the_aging_count_links_to_its_accounts(self, supervisor_client, world):
        html = supervisor_client.get(f"/reports/portfolio/?{query(world)}").content.decode()

        drill = supervisor_client.get(link_of(html, "5,000.00")).content.decode()

        assert "1 row" in drill
        assert f'href="/cases/{world.cases["E"].pk}/"' in drill


class TestExports:
    def test_csv_holds_the_numbers_of_the_page(self, supervisor_client, world):
        response = supervisor_client.get(f"/reports/export/collected_day/?{query(world)}&format=csv")

        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert response["Content-Type"].startswith("text/csv")
        assert rows == [
            ["Period", "Payments", "Collected"],
            ["2026-02-03", "2", "1500.50"],
            ["2026-02-20", "1", "250.25"],
        ]

    def test_xlsx_holds_the_numbers_of_every_table_of_the_dashboard(self, supervisor_client, world):
        response = supervisor_client.get(f"/reports/export/portfolio/?{query(world)}&format=xlsx")

        workbook = load_workbook(io.BytesIO(response.content))
        assert workbook.sheetnames == ["aging", "roll_rates", "cure_rate", "funnel"]
        aging = {row[0]: row[1:] for row in workbook["aging"].iter_rows(min_row=2, values_only=True)}
        assert aging["current"] == (1, 1249.25)
        assert Decimal(str(aging["91-120"][1])) == Decimal("4000.00")
        cure = list(workbook["cure_rate"].iter_rows(min_row=2, values_only=True))
        assert cure[0][1:] == (4, 2, 0.5)

    def test_an_unknown_format_is_not_found(self, supervisor_client, world):
        assert supervisor_client.get(f"/reports/export/aging/?{query(world)}&format=pdf").status_code == 404
