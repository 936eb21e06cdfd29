"""The compliance API: scenarios judged as JSON, texts linted, real contacts decided, holds."""

import json
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from arrears.compliance.models import ContactDecision, ContactEvent, Hold
from tests.factories.people import UserFactory
from tests.factories.portfolio import ContactPointFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db
NIGHT_IN_SHANGHAI = datetime(2026, 3, 31, 14, 30, tzinfo=UTC)

SCENARIO = {
    "jurisdiction": "us-regf",
    "collector": "AGY",
    "consumer": {"id": "C1", "zones": ["America/New_York"]},
    "debts": ["D1"],
    "events": [
        {"t": "2024-03-04T14:10:00-05:00", "type": "call_outbound", "person": "C1", "debts": ["D1"],
         "outcome": "conversation"},
    ],
    "proposals": [
        {"t": "2024-03-10T18:00:00-04:00", "action": "call", "person": "C1", "debts": ["D1"], "expect": "DENY",
         "reason": "US.FREQ.POSTCONV"},
        {"t": "2024-03-11T08:05:00-04:00", "action": "call", "person": "C1", "debts": ["D1"], "expect": "ALLOW"},
    ],
}  # fmt: skip


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def post_json(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def debtor():
    return DebtorFactory(portfolio=PortfolioFactory(code="cn-consumer", country="CN"))


@pytest.fixture
def collector(debtor):
    return client_for(UserFactory(portfolios=[debtor.portfolio]))


class TestEvaluate:
    def test_judges_each_proposal_with_reasons_and_the_next_allowed_moment(self, collector):
        response = post_json(collector, "/api/v1/compliance/evaluate", SCENARIO)

        assert response.status_code == 200
        assert response.json() == [
            {"index": 0, "t": "2024-03-10T18:00:00-04:00", "action": "call", "decision": "DENY",
             "reasons": ["US.FREQ.POSTCONV"], "next_allowed_at": "2024-03-11T08:00:00-04:00", "expect": "DENY",
             "matches": True},
            {"index": 1, "t": "2024-03-11T08:05:00-04:00", "action": "call", "decision": "ALLOW", "reasons": [],
             "next_allowed_at": None, "expect": "ALLOW", "matches": True},
        ]  # fmt: skip

    def test_a_naive_timestamp_is_refused_naming_the_field_in_chinese(self, collector):
        broken = {**SCENARIO, "proposals": [{"t": "2024-03-11T08:05:00", "action": "call", "person": "C1"}]}

        response = post_json(collector, "/api/v1/compliance/evaluate", broken, HTTP_ACCEPT_LANGUAGE="zh-hans")

        assert response.status_code == 422
        body = response.json()
        assert (body["field"], body["problem"]) == ("proposals[0].t", "naive_time")
        assert body["detail"].startswith("proposals[0].t: ") and "UTC" in body["detail"]

    def test_an_unknown_pack_is_refused(self, collector):
        response = post_json(collector, "/api/v1/compliance/evaluate", {**SCENARIO, "jurisdiction": "mars"})

        assert response.status_code == 422
        assert response.json()["field"] == "jurisdiction"

    def test_anonymous_callers_are_refused(self):
        assert post_json(Client(), "/api/v1/compliance/evaluate", SCENARIO).status_code == 401


class TestLint:
    def test_a_threat_is_blocked_with_its_rule_and_span(self, collector):
        text = "不还钱就让你坐牢"

        response = post_json(collector, "/api/v1/compliance/lint", {"text": text, "packs": ["cn"]})

        body = response.json()
        assert (response.status_code, body["verdict"], body["blocked"]) == (200, "BLOCK", True)
        hit = body["hits"][0]
        assert hit["rule_id"] == "CN-C02"
        assert text[hit["start"] : hit["end"]] == hit["matched"]

    def test_the_allowed_template_is_clean(self, collector):
        text = "【XX银行】尊敬的客户，您尾号1234的账户已逾期，应还金额XX元。请通过本行App或官方渠道还款，或致电95xxx协商还款方案；如对欠款有异议，请致电95xxx提出。"

        response = post_json(collector, "/api/v1/compliance/lint", {"text": text, "packs": ["cn"]})

        assert response.json() == {"verdict": None, "blocked": False, "hits": []}


class TestContactsOfRealDebtors:
    @time_machine.travel(NIGHT_IN_SHANGHAI, tick=False)
    def test_a_night_call_check_is_refused_and_kept(self, collector, debtor):
        phone = ContactPointFactory(debtor=debtor)

        response = post_json(
            collector,
            f"/api/v1/debtors/{debtor.pk}/contact-check",
            {"action": "call", "contact_point_id": phone.pk},
        )

        body = response.json()
        assert (body["decision"], [reason["code"] for reason in body["reasons"]]) == (
            "DENY",
            ["CN.TIME.NIGHT"],
        )
        assert body["next_allowed_at"] == "2026-04-01T08:00:00+08:00"
        assert ContactDecision.objects.get().source == "api"

    @time_machine.travel(NIGHT_IN_SHANGHAI, tick=False)
    def test_recording_a_refused_call_answers_409_with_the_reasons(self, collector, debtor):
        phone = ContactPointFactory(debtor=debtor)

        response = post_json(
            collector,
            f"/api/v1/debtors/{debtor.pk}/contacts",
            {"type": "call_outbound", "contact_point_id": phone.pk},
        )

        assert response.status_code == 409
        assert response.json()["check"]["reasons"][0]["code"] == "CN.TIME.NIGHT"
        assert not ContactEvent.objects.exists()

    def test_another_debtors_contact_point_is_not_found(self, collector, debtor):
        stranger_phone = ContactPointFactory()

        response = post_json(
            collector, f"/api/v1/debtors/{debtor.pk}/contact-check",
            {"action": "call", "contact_point_id": stranger_phone.pk},
        )  # fmt: skip

        assert response.status_code == 404

    def test_a_hold_is_placed_listed_and_only_a_supervisor_lifts_it(self, collector, debtor):
        placed = post_json(
            collector, f"/api/v1/debtors/{debtor.pk}/holds", {"type": "bankruptcy", "reason": "Filed"}
        )
        hold_id = placed.json()["id"]

        refused = post_json(collector, f"/api/v1/holds/{hold_id}/lift", {"reason": "Discharged"})
        supervisor = client_for(UserFactory(supervisor=True, portfolios=[debtor.portfolio]))
        lifted = post_json(supervisor, f"/api/v1/holds/{hold_id}/lift", {"reason": "Discharged"})

        assert placed.status_code == 201
        assert [hold["type"] for hold in collector.get(f"/api/v1/debtors/{debtor.pk}/holds").json()] == [
            "bankruptcy"
        ]
        assert refused.status_code == 403
        assert lifted.status_code == 200 and lifted.json()["ends_at"] is not None
        assert Hold.objects.get().lifted_by is not None


class TestMessagesOverTheApi:
    @time_machine.travel(datetime(2026, 3, 31, 2, 0, tzinfo=UTC), tick=False)
    def test_queue_a_reminder_once_per_key_and_list_it(self, collector, debtor):
        from arrears.comms.defaults import install_default_templates
        from tests.factories.portfolio import DebtFactory

        install_default_templates(now=datetime(2026, 3, 31, 2, 0, tzinfo=UTC))
        debt = DebtFactory(debtor=debtor, portfolio=debtor.portfolio)
        phone = ContactPointFactory(debtor=debtor)
        body = {"contact_point_id": phone.pk, "purpose": "friendly_reminder", "idempotency_key": "crm-1"}

        first = post_json(collector, f"/api/v1/debts/{debt.pk}/messages", body)
        again = post_json(collector, f"/api/v1/debts/{debt.pk}/messages", body)

        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json()["id"] == again.json()["id"] and first.json()["channel"] == "sms"
        listed = collector.get(f"/api/v1/debtors/{debtor.pk}/messages").json()
        assert [message["id"] for message in listed] == [first.json()["id"]]

    def test_without_an_approved_template_the_answer_is_409(self, collector, debtor):
        from tests.factories.portfolio import DebtFactory

        debt = DebtFactory(debtor=debtor, portfolio=debtor.portfolio)
        phone = ContactPointFactory(debtor=debtor)

        response = post_json(
            collector,
            f"/api/v1/debts/{debt.pk}/messages",
            {"contact_point_id": phone.pk, "purpose": "friendly_reminder"},
        )

        assert response.status_code == 409
