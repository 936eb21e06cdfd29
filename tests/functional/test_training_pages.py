"""The training pages: the course in the user's language, a conversation with and without htmx, the quiz,
the team's progress and the certification rule, editing a scenario."""

from datetime import UTC, datetime

import pytest

from arrears.core.audit.models import AuditEvent
from arrears.training import content
from arrears.training.course import default_text
from arrears.training.models import Material, PracticeSession, TrainingPolicy
from tests.factories.people import UserFactory
from tests.factories.portfolio import PortfolioFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def installed():
    content.install_defaults(actor=None, now=NOW)


@pytest.fixture
def trainee(client):
    user = UserFactory(username="novice")
    client.force_login(user)
    return user


def page(response):
    return response.content.decode()


class TestCourse:
    def test_the_home_page_lists_lessons_scenarios_and_my_status(self, client, trainee):
        response = client.get("/training/")

        text = page(response)
        assert "1. The principles: law, reason and compassion" in text
        assert 'data-testid="start-hardship"' in text
        assert "Not certified yet" in text

    def test_a_lesson_reads_in_chinese_with_what_never_to_say(self, client, trainee):
        response = client.get("/training/lessons/principles/", HTTP_ACCEPT_LANGUAGE="zh-hans")

        text = page(response)
        assert "合法性原则：这是催收工作的红线。" in text
        assert "今天不还，后果自负。" in text

    def test_an_unknown_lesson_is_404(self, client, trainee):
        assert client.get("/training/lessons/nothing/").status_code == 404


class TestConversation:
    def test_a_reply_with_htmx_redraws_the_conversation_with_feedback_and_the_next_line(
        self, client, trainee
    ):
        start = client.post("/training/scenarios/forgot/start/")
        session = PracticeSession.objects.get(user=trainee)
        assert start["Location"] == f"/training/sessions/{session.pk}/"

        response = client.post(
            f"/training/sessions/{session.pk}/reply/",
            {"reply": "Hello, my name is Wang, calling from Bright Consumer Finance."},
            HTTP_HX_REQUEST="true",
        )

        text = page(response)
        assert text.lstrip().startswith('<section id="conversation"')
        assert "Shown: Greeting, Collector identifies themselves, Collector names the creditor" in text
        assert "Yes, this is Li Na. What is it about?" in text

    def test_a_blocked_reply_shows_the_rule_without_javascript(self, client, trainee):
        client.post("/training/scenarios/refusal/start/")
        session = PracticeSession.objects.get(user=trainee)
        url = f"/training/sessions/{session.pk}/reply/"
        client.post(url, {"reply": "Hello, my name is Wang, calling from Bright Consumer Finance."})

        response = client.post(url, {"reply": "Pay today or you will regret it."}, follow=True)

        text = page(response)
        assert "CN-C02" in text and "Threats or intimidation" in text
        assert 'data-testid="failed"' in text

    def test_a_conversation_in_chinese_answers_in_chinese_with_chinese_feedback(self, client, trainee):
        client.post("/training/scenarios/forgot/start/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        session = PracticeSession.objects.get(user=trainee)

        response = client.post(
            f"/training/sessions/{session.pk}/reply/",
            {"reply": "您好，我是明亮消费金融的客服小王。"},
            HTTP_HX_REQUEST="true",
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )

        text = page(response)
        assert session.language == "zh"
        assert "喂，你好？哪位？" in text
        assert "对，我是李娜。什么事？" in text
        assert "表明债权机构" in text

    def test_an_empty_reply_is_refused_with_a_message(self, client, trainee):
        client.post("/training/scenarios/forgot/start/")
        session = PracticeSession.objects.get(user=trainee)

        response = client.post(
            f"/training/sessions/{session.pk}/reply/", {"reply": ""}, HTTP_HX_REQUEST="true"
        )

        assert response.status_code == 422
        assert "Type your reply first." in page(response)

    def test_another_collectors_conversation_is_404(self, client, trainee):
        other = UserFactory()
        client.force_login(other)
        client.post("/training/scenarios/forgot/start/")
        session = PracticeSession.objects.get(user=other)
        client.force_login(trainee)

        assert client.get(f"/training/sessions/{session.pk}/").status_code == 404


class TestQuiz:
    def test_submitting_wrong_answers_shows_the_score_and_the_explanations(self, client, trainee):
        response = client.post("/training/quiz/", {"red_line": "a", "confidentiality": "a"})

        text = page(response)
        assert "1 / 13 (7%)" in text
        assert 'data-testid="quiz-failed"' in text
        assert "Confidentiality: debt information is never disclosed" in text


class TestTeam:
    def test_a_collector_may_not_see_the_team(self, client, trainee):
        assert client.get("/training/team/").status_code == 403

    def test_a_quality_manager_requires_certification_for_a_portfolio(self, client):
        portfolio = PortfolioFactory(code="cn-sme", name="SME loans CN")
        UserFactory(username="lina", portfolios=[portfolio])
        client.force_login(UserFactory(username="qa", role="qa_reviewer", portfolios=[portfolio]))

        response = client.post(
            "/training/team/policy/", {"portfolio": portfolio.pk, "required": "on"}, follow=True
        )

        assert TrainingPolicy.objects.get(portfolio=portfolio).certification_required
        text = page(response)
        assert "SME loans CN now gives live work only to certified collectors." in text
        assert 'data-testid="collector-lina"' in text
        assert AuditEvent.objects.filter(action="training.set_policy", portfolio_id=portfolio.pk).count() == 1


class TestCollectorRecord:
    def test_a_supervisor_reads_a_collectors_conversation_but_cannot_reply_in_it(self, client):
        portfolio = PortfolioFactory()
        lina = UserFactory(username="lina", portfolios=[portfolio])
        client.force_login(lina)
        client.post("/training/scenarios/forgot/start/")
        session = PracticeSession.objects.get(user=lina)
        client.post(
            f"/training/sessions/{session.pk}/reply/",
            {"reply": "Hello, my name is Lina, calling from Bright Consumer Finance."},
        )
        client.force_login(UserFactory(username="boss", supervisor=True, portfolios=[portfolio]))

        record = client.get(f"/training/team/{lina.pk}/")
        conversation = client.get(f"/training/sessions/{session.pk}/")
        refused = client.post(f"/training/sessions/{session.pk}/reply/", {"reply": "Hello"})

        assert f'data-testid="session-{session.pk}"' in page(record)
        assert "Hello, my name is Lina" in page(conversation)
        assert 'data-testid="reply-form"' not in page(conversation)
        assert refused.status_code == 404

    def test_a_collector_outside_the_supervisors_portfolios_is_404(self, client):
        lina = UserFactory(username="lina", portfolios=[PortfolioFactory()])
        client.force_login(UserFactory(username="boss", supervisor=True, portfolios=[PortfolioFactory()]))

        assert client.get(f"/training/team/{lina.pk}/").status_code == 404


class TestEditing:
    def test_a_scenario_with_an_unreachable_node_is_refused_with_its_line(self, client):
        client.force_login(UserFactory(username="qa", role="qa_reviewer"))
        source = default_text("scenarios/forgot.yaml").replace("version: 1", "version: 2")
        source += '  orphan:\n    debtor: {en: "Hm", zh: "嗯"}\n    outcome: hung_up\n'

        response = client.post("/training/manage/scenario/forgot/", {"source": source})

        assert response.status_code == 422
        assert (
            "line 122: nodes.orphan: node &#x27;orphan&#x27; is unreachable from start &#x27;hello&#x27;"
            in page(response)
        )
        assert Material.objects.filter(slug="forgot").count() == 1

    def test_a_valid_new_version_is_saved_and_active(self, client):
        client.force_login(UserFactory(username="qa", role="qa_reviewer"))
        source = default_text("scenarios/forgot.yaml").replace("version: 1", "version: 2")

        response = client.post("/training/manage/scenario/forgot/", {"source": source}, follow=True)

        assert "Saved forgot version 2; it is now active." in page(response)
        assert content.get_material(kind="scenario", slug="forgot").version == 2

    def test_a_collector_may_not_edit(self, client, trainee):
        assert client.get("/training/manage/").status_code == 403


class TestAdmin:
    def test_adding_a_scenario_with_an_unknown_target_shows_the_line_and_stores_nothing(self, client):
        client.force_login(UserFactory(username="admin", superuser=True))
        source = (
            default_text("scenarios/dispute.yaml")
            .replace("version: 1", "version: 2")
            .replace("goto: proof", "goto: prooof", 1)
        )

        response = client.post("/admin/training/material/add/", {"kind": "scenario", "source": source})

        assert response.status_code == 200
        assert list(response.context["adminform"].form.errors["source"]) == [
            "line 78: nodes.objection_vague.branches[2].goto: no node named 'prooof'"
        ]
        assert Material.objects.filter(slug="dispute").count() == 1

    def test_adding_a_valid_quiz_stores_it_as_the_active_version(self, client):
        client.force_login(UserFactory(username="admin", superuser=True))
        source = default_text("quiz.yaml").replace("version: 1", "version: 2")

        response = client.post("/admin/training/material/add/", {"kind": "quiz", "source": source})

        assert response.status_code == 302
        assert content.get_material(kind="quiz", slug="collector-certification").version == 2
