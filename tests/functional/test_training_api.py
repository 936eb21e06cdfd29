"""The training API and CLI: a conversation by API, the quiz, progress, the rule, material with line numbers."""

import io
import json
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from arrears.training import content
from arrears.training.course import default_text
from arrears.training.models import Material, TrainingPolicy
from tests.factories.people import UserFactory
from tests.factories.portfolio import PortfolioFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def installed():
    content.install_defaults(actor=None, now=NOW)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


class TestConversationApi:
    def test_a_clerk_conversation_by_reply_and_choice_ends_escalated_and_passed(self):
        client = client_for(UserFactory(username="novice"))

        started = post(client, "/api/v1/training/sessions", {"scenario": "clerk", "language": "en"})
        session = started.json()
        first = post(
            client,
            f"/api/v1/training/sessions/{session['id']}/replies",
            {"reply": "Hello, my name is Wang, calling from Bright Supplies Ltd."},
        )
        second = post(
            client,
            f"/api/v1/training/sessions/{session['id']}/replies",
            {"reply": "Who decides on payments: is the director in charge?"},
        )
        last = post(client, f"/api/v1/training/sessions/{session['id']}/replies", {"choice": "callback"})

        assert (started.status_code, session["debtor"]) == (201, "Hengda Trading, finance office.")
        assert first.json()["turns"][0]["found"] == [
            "Greeting",
            "Collector identifies themselves",
            "Collector names the creditor",
        ]
        assert second.json()["choices"][0]["choice"] == "callback"
        body = last.json()
        assert (body["status"], body["outcome"], body["passed"], body["score"]) == (
            "finished",
            "escalated",
            True,
            "91.30",
        )
        assert body["marks"]["verify_debt_facts"] == "fail"

    def test_a_typed_reply_where_a_choice_is_needed_is_422(self):
        client = client_for(UserFactory(username="novice"))
        session = post(client, "/api/v1/training/sessions", {"scenario": "clerk"}).json()
        post(
            client,
            f"/api/v1/training/sessions/{session['id']}/replies",
            {"reply": "Hello, my name is Wang, calling from Bright Supplies Ltd."},
        )
        post(
            client,
            f"/api/v1/training/sessions/{session['id']}/replies",
            {"reply": "Who is in charge of payments?"},
        )

        response = post(
            client, f"/api/v1/training/sessions/{session['id']}/replies", {"reply": "Tell him to call."}
        )

        assert response.status_code == 422
        assert response.json() == {"detail": "Choose one of the answers offered."}

    def test_an_unknown_scenario_is_404(self):
        client = client_for(UserFactory())

        assert post(client, "/api/v1/training/sessions", {"scenario": "nothing"}).status_code == 404


class TestQuizApi:
    def test_the_quiz_hides_the_answers_and_scores_an_attempt(self):
        client = client_for(UserFactory(username="novice"))

        quiz = client.get("/api/v1/training/quiz?language=zh").json()
        attempt = post(client, "/api/v1/training/quiz/attempts", {"answers": {"red_line": "a"}})

        assert quiz["questions"][0]["question"] == "哪一项原则是催收工作的红线？"
        assert "correct" not in json.dumps(quiz)
        assert attempt.status_code == 201
        assert attempt.json() | {"id": 0} == {
            "id": 0,
            "correct": 1,
            "total": 13,
            "percent": 7,
            "passed": False,
            "certified": False,
        }


class TestManagementApi:
    def test_a_scenario_with_a_dead_end_is_422_with_its_line_and_nothing_stored(self):
        portfolio = PortfolioFactory()
        client = client_for(UserFactory(username="qa", role="qa_reviewer", portfolios=[portfolio]))
        source = (
            default_text("scenarios/clerk.yaml")
            .replace("version: 1", "version: 2")
            .replace("    outcome: hung_up\n", "")
        )

        response = post(client, "/api/v1/training/materials/scenario", {"source": source})

        assert response.status_code == 422
        assert response.json()["problems"] == [
            "line 87: nodes.hung_up: node 'hung_up' is a dead end: it has neither branches nor an outcome"
        ]
        assert Material.objects.filter(slug="clerk").count() == 1

    def test_a_manager_sets_the_rule_and_reads_the_teams_progress(self):
        portfolio = PortfolioFactory()
        UserFactory(username="lina", portfolios=[portfolio])
        client = client_for(UserFactory(username="qa", role="qa_reviewer", portfolios=[portfolio]))

        rule = client.put(
            f"/api/v1/training/portfolios/{portfolio.pk}/policy",
            json.dumps({"certification_required": True}),
            content_type="application/json",
        )
        progress = client.get("/api/v1/training/progress").json()

        assert (
            rule.status_code == 200 and TrainingPolicy.objects.get(portfolio=portfolio).certification_required
        )
        assert [(row["username"], row["certified"], row["sessions"]) for row in progress] == [
            ("lina", False, 0)
        ]

    def test_a_collector_may_not_save_material_or_read_the_team(self):
        client = client_for(UserFactory())

        saved = post(client, "/api/v1/training/materials/quiz", {"source": default_text("quiz.yaml")})

        assert (saved.status_code, client.get("/api/v1/training/progress").status_code) == (403, 403)


class TestCommand:
    def test_validate_scenario_prints_each_problem_with_its_line_and_exits_1(self, tmp_path):
        broken = tmp_path / "broken.yaml"
        broken.write_text(
            default_text("scenarios/forgot.yaml").replace("goto: listening", "goto: listen", 1),
            encoding="utf-8",
        )
        err = io.StringIO()

        with pytest.raises(
            CommandError, match=r"broken.yaml is not a valid scenario \(1 problem\)"
        ) as caught:
            call_command("training", "validate-scenario", str(broken), stderr=err)

        assert caught.value.returncode == 1
        assert err.getvalue().splitlines() == [
            "broken.yaml, line 39: nodes.hello.branches[1].goto: no node named 'listen'"
        ]

    def test_validate_scenario_accepts_a_shipped_file(self, tmp_path):
        good = tmp_path / "hardship.yaml"
        good.write_text(default_text("scenarios/hardship.yaml"), encoding="utf-8")
        out = io.StringIO()

        call_command("training", "validate-scenario", str(good), stdout=out)

        assert out.getvalue() == "hardship.yaml is a valid scenario: hardship version 1.\n"

    def test_install_defaults_twice_installs_nothing_the_second_time(self):
        out = io.StringIO()

        call_command("training", "install-defaults", stdout=out)

        assert out.getvalue() == "Installed 0 training files.\n"
        assert Material.objects.filter(created_at__lte=timezone.now()).count() == 7
