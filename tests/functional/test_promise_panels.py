"""The case page's script, promise and hardship panels: rendered in English and Chinese, forms posted, errors shown."""

import json
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from arrears.casework.models import HardshipAssessment, Promise, PromiseStatus, Script
from arrears.core.audit.models import AuditEvent
from tests.factories.cases import CaseFactory, PromiseFactory
from tests.factories.people import UserFactory
from tests.factories.portfolio import PortfolioFactory

pytestmark = pytest.mark.django_db

MORNING_IN_SHANGHAI = "2026-04-15 02:00:00+00:00"  # 10:00 local


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(MORNING_IN_SHANGHAI, tick=False):
        yield


@pytest.fixture
def case():
    return CaseFactory(
        debt__debtor__portfolio=PortfolioFactory(code="cn-panels"), strategy="default@2026.11.1",
        segment="standard", stage="mid", stage_entered_on=date(2026, 4, 1),
    )  # fmt: skip


@pytest.fixture
def collector(client, case):
    user = UserFactory(portfolios=[case.portfolio])
    client.force_login(user)
    return user


def _panel(client, case, name, **query):
    return client.get(reverse("desk:case_panel", args=[case.pk, name]), query)


def _text(response):
    return unescape(response.content.decode())


class TestOnTheCasePage:
    def test_the_case_page_carries_the_three_panels(self, client, case, collector):
        text = _text(client.get(reverse("desk:case", args=[case.pk])))

        for anchor in ("script", "promise", "hardship"):
            assert f'<section id="{anchor}"' in text
            assert reverse("desk:case_panel", args=[case.pk, anchor]) in text


class TestScriptPanel:
    def test_shows_the_refusal_script_with_this_debts_consequences(self, client, case, collector):
        response = _panel(client, case, "script", situation="refusal")

        text = _text(response)
        assert response.status_code == 200
        assert "Refusal: state the consequences accurately and calmly" in text
        assert "the balance is 10,000.00 CNY" in text and "2026-05-31: a formal demand letter" in text
        assert "State consequences as facts" in text  # a listening prompt

    def test_shows_the_chinese_script_on_a_chinese_page(self, client, case, collector):
        response = client.get(
            reverse("desk:case_panel", args=[case.pk, "script"]), {"situation": "forgot"},
            headers={"Accept-Language": "zh-hans"},
        )  # fmt: skip

        assert "遗忘还款：确认并告知还款方式" in _text(response)

    def test_an_htmx_tab_returns_the_panel_alone(self, client, case, collector):
        response = client.get(
            reverse("desk:case_panel", args=[case.pk, "script"]),
            {"situation": "company"},
            headers={"HX-Request": "true"},
        )

        assert _text(response).lstrip().startswith('<section id="script"')
        assert "Company: reach the decision-maker" in _text(response)

    def test_is_not_found_outside_the_users_portfolios(self, client, collector):
        other = CaseFactory()

        assert _panel(client, other, "script").status_code == 404


class TestPromisePanel:
    def _post(self, client, case, **data):
        form = {
            "revision": case.revision,
            "request_key": "key-1",
            "amount": "2000.00",
            "due_date": "2026-04-20",
        }
        return client.post(reverse("desk:make_promise", args=[case.pk]), {**form, **data})

    def test_records_a_promise_and_goes_back_to_the_panel(self, client, case, collector):
        response = self._post(client, case)

        assert response.status_code == 302 and response["Location"].endswith("#promise")
        promise = Promise.objects.get(case=case)
        assert (promise.amount, promise.due_date) == (Decimal("2000.00"), date(2026, 4, 20))

    def test_shows_the_policy_error_in_the_form_and_records_nothing(self, client, case, collector):
        response = self._post(client, case, due_date="2026-05-30")

        assert response.status_code == 422
        assert (
            "Date: a promise may be at most 30 days ahead (by 2026-05-15); 2026-05-30 is further."
            in _text(response)
        )
        assert not Promise.objects.exists()

    def test_shows_a_stale_page_error(self, client, case, collector):
        response = self._post(client, case, revision=case.revision + 3)

        assert response.status_code == 422 and "reload the page" in _text(response)
        assert not Promise.objects.exists()

    def test_a_double_submit_records_one_promise(self, client, case, collector):
        self._post(client, case)
        self._post(client, case)

        assert Promise.objects.count() == 1

    def test_htmx_answers_with_the_panel_and_the_case_changed_event(self, client, case, collector):
        response = client.post(
            reverse("desk:make_promise", args=[case.pk]),
            {"revision": case.revision, "request_key": "k", "amount": "1000.00", "due_date": "2026-04-15"},
            headers={"HX-Request": "true"},
        )

        assert response.status_code == 200
        assert json.loads(response["HX-Trigger"]) == {
            "case-changed": {"case": case.pk, "revision": case.revision + 1}
        }
        assert 'data-status="open"' in _text(response)

    def test_lists_open_kept_and_broken_promises_and_cancels_the_open_one(self, client, case, collector):
        PromiseFactory(case=case, kept=True)
        PromiseFactory(case=case, broken=True, due_date=date(2026, 3, 20), made_on=date(2026, 3, 12))
        open_promise = PromiseFactory(case=case, made_on=date(2026, 4, 14), due_date=date(2026, 4, 25))

        text = _text(_panel(client, case, "promise"))
        assert text.count('data-status="kept"') == 1 and text.count('data-status="broken"') == 1
        assert 'data-status="open"' in text and 'data-testid="promise-form"' not in text

        response = client.post(
            reverse("desk:cancel_promise", args=[open_promise.pk]),
            {"revision": case.revision, "request_key": "c", "reason": "Paid elsewhere"},
        )
        assert response.status_code == 302
        assert Promise.objects.get(pk=open_promise.pk).status == PromiseStatus.CANCELLED

    def test_renders_in_chinese(self, client, case, collector):
        response = client.get(
            reverse("desk:case_panel", args=[case.pk, "promise"]), headers={"Accept-Language": "zh-hans"}
        )

        assert response.status_code == 200 and 'lang="zh-hans"' in _text(response)


class TestHardshipPanel:
    def _answers(self, case, **changes):
        return {
            "revision": case.revision, "request_key": "h-1", "cause": "illness", "since": "2026-02-01",
            "expected_months": "3", "monthly_income": "6000.00", "monthly_expenses": "4000.00",
            "other_debt_payments": "500.00", "assets": "0.00", "dependants": "1", "willingness": "willing",
            "notes": "", **changes,
        }  # fmt: skip

    def test_assesses_and_shows_the_figures_and_the_treatment(self, client, case, collector):
        response = client.post(reverse("desk:assess_hardship", args=[case.pk]), self._answers(case))
        assert response.status_code == 302 and response["Location"].endswith("#hardship")

        text = _text(_panel(client, case, "hardship"))

        assert "1,500.00 CNY" in text and "750.00 CNY" in text  # disposable, affordable
        assert "Instalment plan at the affordable amount" in text
        assert "repays the balance in 14 months" in text
        assert "?kind=instalments&months=14&instalment=750.00" in text
        assert HardshipAssessment.objects.get(case=case).ability == "partly"

    def test_shows_an_error_and_stores_nothing(self, client, case, collector):
        response = client.post(
            reverse("desk:assess_hardship", args=[case.pk]), self._answers(case, since="2026-05-01")
        )

        assert response.status_code == 422
        assert "Since: 2026-05-01 is in the future" in _text(response)
        assert not HardshipAssessment.objects.exists()

    def test_renders_in_chinese(self, client, case, collector):
        response = client.get(
            reverse("desk:case_panel", args=[case.pk, "hardship"]), headers={"Accept-Language": "zh-hans"}
        )

        assert response.status_code == 200 and 'data-testid="hardship-form"' in _text(response)


class TestScriptAdmin:
    def _form(self, **changes):
        return {
            "stage": "", "situation": "refusal", "language": "en", "title": "Refusal (ours)",
            "body": "Stay calm. {{ consequences }}", "prompts": '["Listen first."]', "is_active": "on", **changes,
        }  # fmt: skip

    def test_a_supervisor_adds_a_script_and_it_is_audited(self, client):
        client.force_login(UserFactory(supervisor=True))

        response = client.post(reverse("admin:casework_script_add"), self._form())

        assert response.status_code == 302
        script = Script.objects.get()
        assert (script.title, script.prompts) == ("Refusal (ours)", ["Listen first."])
        assert AuditEvent.objects.filter(action="casework.add_script").count() == 1

    def test_refuses_a_body_with_forbidden_wording_and_names_the_rule(self, client):
        client.force_login(UserFactory(strategy_manager=True))

        response = client.post(
            reverse("admin:casework_script_add"), self._form(body="不还钱就告诉你的家人和同事")
        )

        assert response.status_code == 200 and "CN-C04" in _text(response)
        assert not Script.objects.exists()

    def test_a_compliance_officer_may_read_but_not_add(self, client):
        client.force_login(UserFactory(compliance_officer=True))

        assert client.get(reverse("admin:casework_script_changelist")).status_code == 200
        assert client.post(reverse("admin:casework_script_add"), self._form()).status_code == 403
