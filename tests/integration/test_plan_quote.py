"""`arrears plan quote` and `POST /api/v1/plans/quote`: one calculator, the same JSON, refusals naming the input."""

import json
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from tests.factories.people import UserFactory

LOAN = ("--principal", "100000.00", "--annual-rate", "12", "--months", "12")
URL = "/api/v1/plans/quote"


def run(*args: str) -> str:
    out = StringIO()
    call_command("plan", "quote", *args, stdout=out)
    return out.getvalue()


def refusal(*args: str) -> tuple[int, str]:
    with pytest.raises(CommandError) as error:
        run(*args)
    return error.value.returncode, str(error.value)


def post_json(client: Client, body: dict, **headers: str):
    return client.post(URL, data=json.dumps(body), content_type="application/json", **headers)


class TestPlanQuoteCommand:
    def test_prints_the_equal_instalment_plan_as_json(self):
        document = json.loads(run(*LOAN, "--method", "equal-instalment", "--start", "2026-01-31", "--json"))

        assert set(document) == {"instalments", "total_payment", "total_interest"}
        assert document["instalments"][0] == {
            "number": 1, "due_date": "2026-01-31", "payment": "8884.88", "principal": "7884.88",
            "interest": "1000.00", "balance": "92115.12",
        }  # fmt: skip
        assert [row["due_date"] for row in document["instalments"][:3]] == [
            "2026-01-31",
            "2026-02-28",
            "2026-03-31",
        ]
        assert document["instalments"][-1]["payment"] == "8884.85"
        assert document["instalments"][-1]["balance"] == "0.00"
        assert (document["total_payment"], document["total_interest"]) == ("106618.53", "6618.53")

    def test_prints_the_equal_principal_plan_as_a_table_with_its_totals(self):
        text = run(*LOAN, "--method", "equal-principal", "--start", "2026-01-31")

        assert "100,000.00 CNY at 12 % a year over 12 months." in text
        assert "9,333.33" in text
        assert "Total payment: 106,500.00 CNY" in text
        assert "Total interest: 6,500.00 CNY" in text

    @time_machine.travel("2026-01-31 23:30:00+00:00", tick=False)
    def test_without_a_start_the_first_instalment_falls_due_a_month_from_today(self, settings):
        settings.TIME_ZONE = "Asia/Shanghai"  # already 1 February there

        document = json.loads(run(*LOAN, "--method", "equal-instalment", "--json"))

        assert document["instalments"][0]["due_date"] == "2026-03-01"

    @pytest.mark.parametrize(
        ("option", "value", "message"),
        [
            ("--principal", "lots", "--principal must be a number, not “lots”."),
            ("--principal", "0", "--principal must be an amount greater than zero."),
            ("--principal", "10.001", "--principal may have at most 2 decimal places in CNY."),
            (
                "--annual-rate",
                "-1",
                "--annual-rate must not be negative: it is a percentage a year (12 means 12 %).",
            ),
            ("--annual-rate", "0.12%", "--annual-rate must be a number, not “0.12%”."),
            ("--months", "twelve", "--months must be a whole number of months from 1 to 360."),
            ("--months", "361", "--months must be a whole number of months from 1 to 360."),
            ("--method", "balloon", "--method must be equal-instalment or equal-principal, not “balloon”."),
            ("--currency", "XBT", "--currency: “XBT” is not a supported currency."),
            ("--start", "2026-02-30", "--start: “2026-02-30” is not a date in the form YYYY-MM-DD."),
        ],
    )
    def test_a_bad_value_is_refused_with_exit_code_2_naming_the_option(self, option, value, message):
        arguments = {
            **dict(zip(LOAN[::2], LOAN[1::2], strict=True)),
            "--method": "equal-instalment",
            option: value,
        }

        code, text = refusal(*(item for pair in arguments.items() for item in pair))

        assert (code, text) == (2, message)

    def test_speaks_chinese_with_language_zh_hans(self):
        code, text = refusal(
            *LOAN, "--method", "equal-instalment", "--start", "2026-02-30", "--language", "zh-hans"
        )

        assert (code, text) == (2, "--start: “2026-02-30”不是 YYYY-MM-DD 格式的日期。")

    def test_a_refusal_from_the_calculator_comes_in_the_chosen_language(self):
        code, text = refusal(*LOAN, "--method", "balloon", "--language", "zh-hans")

        with translation.override("zh-hans"):
            expected = gettext("%(field)s must be equal-instalment or equal-principal, not “%(value)s”.")
        assert (code, text) == (2, expected % {"field": "--method", "value": "balloon"})

    def test_prints_the_table_headings_in_chinese(self):
        text = run(*LOAN, "--method", "equal-principal", "--start", "2026-01-31", "--language", "zh-hans")

        assert "期数" in text
        assert "到期日" in text
        assert "106,500.00" in text


@pytest.mark.django_db
class TestPlanQuoteApi:
    @pytest.fixture
    def client(self):
        client = Client()
        client.force_login(UserFactory(username="zhangwei"))
        return client

    def test_quotes_the_same_plan_as_the_command(self, client):
        body = {"principal": "100000.00", "annual_rate": "12", "months": 12, "method": "equal-instalment",
                "start": "2026-01-31"}  # fmt: skip

        response = post_json(client, body)

        assert response.status_code == 200
        assert response.json() == json.loads(
            run(*LOAN, "--method", "equal-instalment", "--start", "2026-01-31", "--json")
        )
        assert response.json()["instalments"][0]["payment"] == "8884.88"
        assert response.json()["total_interest"] == "6618.53"

    def test_takes_numbers_as_well_as_strings(self, client):
        body = {
            "principal": 100000,
            "annual_rate": 12,
            "months": 12,
            "method": "equal-principal",
            "start": "2026-01-31",
        }

        response = post_json(client, body)

        assert response.status_code == 200
        assert response.json()["instalments"][0] == {
            "number": 1, "due_date": "2026-01-31", "payment": "9333.33", "principal": "8333.33",
            "interest": "1000.00", "balance": "91666.67",
        }  # fmt: skip
        assert (response.json()["total_payment"], response.json()["total_interest"]) == (
            "106500.00",
            "6500.00",
        )

    def test_a_decimal_number_is_read_exactly(self, client):
        body = {
            "principal": 100.50,
            "annual_rate": 12,
            "months": 2,
            "method": "equal-principal",
            "start": "2026-01-31",
        }

        response = post_json(client, body)

        assert response.json()["instalments"][0]["interest"] == "1.01"

    @pytest.mark.parametrize(
        ("change", "field", "problem", "detail"),
        [
            ({"principal": "-1"}, "principal", "principal_not_positive", "principal must be an amount greater than zero."),
            ({"principal": "abc"}, "principal", "not_a_number", "principal must be a number, not “abc”."),
            ({"annual_rate": "101"}, "annual_rate", "rate_too_high",
             "annual_rate must not be above 100: it is a percentage a year (12 means 12 %)."),
            ({"months": 0}, "months", "months_out_of_range", "months must be a whole number of months from 1 to 360."),
            ({"months": "many"}, "months", "months_out_of_range", "months must be a whole number of months from 1 to 360."),
            ({"method": "balloon"}, "method", "unknown_method",
             "method must be equal-instalment or equal-principal, not “balloon”."),
            ({"start": "31/01/2026"}, "start", "not_a_date", "start: “31/01/2026” is not a date in the form YYYY-MM-DD."),
        ],
    )  # fmt: skip
    def test_a_bad_input_is_refused_with_422_naming_the_field(self, client, change, field, problem, detail):
        body = {
            "principal": "1000.00",
            "annual_rate": "12",
            "months": 12,
            "method": "equal-instalment",
            **change,
        }

        response = post_json(client, body)

        assert response.status_code == 422
        assert response.json() == {"detail": detail, "field": field, "problem": problem}

    def test_a_refusal_speaks_the_requests_language(self, client):
        body = {"principal": "1000.00", "annual_rate": "12", "months": 12, "method": "equal-instalment",
                "start": "2026-02-30"}  # fmt: skip

        response = post_json(client, body, HTTP_ACCEPT_LANGUAGE="zh-hans")

        assert response.status_code == 422
        assert response.json()["detail"] == "start: “2026-02-30”不是 YYYY-MM-DD 格式的日期。"

    def test_any_role_may_quote(self, client):
        body = {"principal": "1000.00", "annual_rate": "0", "months": 4, "method": "equal-instalment"}
        for role in ("supervisor", "strategy_manager", "compliance_officer", "administrator"):
            other = Client()
            other.force_login(UserFactory(**{role: True}))

            assert post_json(other, body).status_code == 200

    def test_an_anonymous_request_is_refused(self):
        body = {"principal": "1000.00", "annual_rate": "12", "months": 12, "method": "equal-instalment"}

        assert post_json(Client(), body).status_code == 401
