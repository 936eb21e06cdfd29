"""Uploading a debts file from the import page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from arrears.portfolio.models import Debt
from tests.factories.people import UserFactory
from tests.factories.portfolio import PortfolioFactory

pytestmark = pytest.mark.django_db
HEADER = "debt_ref,debtor_ref,debtor_type,debtor_name,product,currency,principal,contract_date,due_date\n"
GOOD = "L-1,C-1,person,李娜,consumer_loan,CNY,1000.00,2025-01-10,2025-02-10\n"
BAD = "L-2,C-2,person,王伟,consumer_loan,CNY,-5.00,2025-01-10,2025-02-10\n"


def upload(client, portfolio, text, **options):
    data = {
        "portfolio": portfolio.pk,
        "kind": "debts",
        "file": SimpleUploadedFile("debts.csv", text.encode("gb18030"), content_type="text/csv"),
        **options,
    }
    return client.post(reverse("desk:import"), data)


class TestImportPage:
    def test_applies_the_valid_rows_and_lists_each_problem_with_row_and_column(self, client):
        portfolio = PortfolioFactory(code="cn-consumer")
        client.force_login(UserFactory(administrator=True))

        response = upload(client, portfolio, HEADER + GOOD + BAD)

        body = response.content.decode()
        assert list(Debt.objects.values_list("external_ref", flat=True)) == ["L-1"]
        problems = response.context["result"].rejected
        assert [(problem.row, problem.column, problem.value) for problem in problems] == [
            (3, "principal", "-5.00")
        ]
        assert "2 rows in the file: 1 accepted (1 new, 0 updated, 0 unchanged)." in body

    def test_a_dry_run_changes_nothing(self, client):
        portfolio = PortfolioFactory(code="cn-consumer")
        client.force_login(UserFactory(administrator=True))

        response = upload(client, portfolio, HEADER + GOOD, dry_run="on")

        assert "Nothing was changed." in response.content.decode()
        assert not Debt.objects.exists()

    def test_an_unreadable_file_is_an_error_on_the_file_field(self, client):
        portfolio = PortfolioFactory(code="cn-consumer")
        client.force_login(UserFactory(administrator=True))

        broken = SimpleUploadedFile(
            "debts.xlsx", b"not a spreadsheet at all", content_type="application/vnd.ms-excel"
        )

        response = client.post(
            reverse("desk:import"), {"portfolio": portfolio.pk, "kind": "debts", "file": broken}
        )

        assert "debts.xlsx cannot be read" in response.context["form"].errors["file"][0]
        assert not Debt.objects.exists()

    def test_a_collector_may_not_import(self, client):
        portfolio = PortfolioFactory(code="cn-consumer")
        client.force_login(UserFactory(portfolios=[portfolio]))

        assert client.get(reverse("desk:import")).status_code == 403
        assert upload(client, portfolio, HEADER + GOOD).status_code == 403
        assert not Debt.objects.exists()
