"""Practice conversations, quiz attempts, certification and stored material, with their audit events."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from arrears.core.audit.models import AuditEvent
from arrears.core.errors import NotFound, PermissionDenied
from arrears.training import attempts, certification, content, practice
from arrears.training.course import default_text
from arrears.training.models import Certification, Material, PracticeSession, PracticeTurn, QuizAttempt
from tests.factories.people import UserFactory
from tests.factories.portfolio import PortfolioFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 31, 20, 59, 59, tzinfo=UTC)
FORGOT_EN = (
    "Hello, my name is Wang, calling from Bright Consumer Finance.",
    "A friendly reminder that your bill ending 4821 of 3,250.00 CNY was due on 15 March.",
    "You can pay by bank transfer or in the app. When could you pay?",
    "Great, so we agree you pay this evening. Thank you, goodbye.",
)


@pytest.fixture(autouse=True)
def installed():
    return content.install_defaults(actor=None, now=NOW)


@pytest.fixture
def trainee():
    return UserFactory(username="novice")


def all_right(quiz_material=None):
    _material, quiz = content.active_quiz()
    return {question.id: question.answer for question in quiz.questions}


def converse(user, replies, *, scenario="forgot", language="en"):
    session = practice.start_session(user=user, scenario_slug=scenario, language=language, now=NOW)
    for number, text in enumerate(replies):
        session, _turn = practice.reply(
            session_id=session.pk, user=user, text=text, now=NOW + timedelta(minutes=number)
        )
    return session


class TestInstallDefaults:
    def test_stores_the_course_the_quiz_and_five_scenarios_once(self, installed):
        again = content.install_defaults(actor=None, now=NOW)

        assert sorted(str(item) for item in installed) == [
            "course collector-basics@1", "quiz collector-certification@1", "scenario clerk@1", "scenario dispute@1",
            "scenario forgot@1", "scenario hardship@1", "scenario refusal@1",
        ]  # fmt: skip
        assert again == []
        assert AuditEvent.objects.filter(action__startswith="training.save_").count() == 7


class TestSaveMaterial:
    def test_refuses_a_scenario_with_an_unknown_target_naming_the_line_and_stores_nothing(self):
        manager = UserFactory(username="qa", role="qa_reviewer")
        source = (
            default_text("scenarios/forgot.yaml")
            .replace("version: 1", "version: 2")
            .replace("goto: when", "goto: whenn", 1)
        )

        with pytest.raises(content.InvalidMaterial) as caught:
            content.save_material(kind="scenario", source=source, actor=manager, now=NOW)

        assert caught.value.problems == ["line 88: nodes.forgot.branches[1].goto: no node named 'whenn'"]
        assert Material.objects.filter(slug="forgot").count() == 1
        assert not AuditEvent.objects.filter(action="training.save_scenario", actor_label="qa").exists()

    def test_a_new_version_becomes_active_and_the_old_one_is_kept(self):
        manager = UserFactory(username="qa", role="qa_reviewer")
        source = default_text("scenarios/forgot.yaml").replace("version: 1", "version: 2")

        saved = content.save_material(kind="scenario", source=source, actor=manager, now=NOW)

        assert list(Material.objects.filter(slug="forgot").order_by("version").values_list("version", "is_active")) == [
            (1, False), (2, True),
        ]  # fmt: skip
        event = AuditEvent.objects.get(action="training.save_scenario", actor_label="qa")
        assert (event.object_id, event.before, event.after) == (
            str(saved.pk),
            {"active": "forgot@1"},
            {"active": "forgot@2"},
        )

    def test_refuses_a_version_that_is_not_above_the_stored_one(self):
        manager = UserFactory(username="qa", role="qa_reviewer")

        with pytest.raises(
            content.InvalidMaterial, match="version 1 is stored already; give the file version 2"
        ):
            content.save_material(
                kind="scenario", source=default_text("scenarios/forgot.yaml"), actor=manager, now=NOW
            )

    def test_a_collector_may_not_edit_material(self, trainee):
        with pytest.raises(PermissionDenied):
            content.save_material(kind="quiz", source=default_text("quiz.yaml"), actor=trainee, now=NOW)


class TestPractice:
    def test_a_good_conversation_keeps_each_turn_and_ends_with_a_passing_score(self, trainee):
        session = converse(trainee, FORGOT_EN)

        assert (session.status, session.outcome, session.score, session.passed) == (
            "finished", "promise", Decimal("100.00"), True,
        )  # fmt: skip
        turns = list(PracticeTurn.objects.filter(session=session).order_by("number"))
        assert [(turn.node, turn.next_node) for turn in turns] == [
            ("hello", "listening"), ("listening", "forgot"), ("forgot", "when"), ("when", "promised"),
        ]  # fmt: skip
        assert turns[1].found == ["state_amount", "state_due_date"]
        actions = list(
            AuditEvent.objects.filter(object_id=str(session.pk), object_type="training.practicesession")
            .order_by("sequence")
            .values_list("action", flat=True)
        )
        assert actions == ["training.start_practice"] + ["training.practice_reply"] * 3 + [
            "training.finish_practice"
        ]

    def test_a_threat_is_kept_with_the_rule_and_fails_the_conversation(self, trainee):
        session = converse(
            trainee,
            ["您好，我是明亮消费金融的客服小王。", "再不还就让你坐牢"],
            scenario="refusal",
            language="zh-hans",
        )

        turn = PracticeTurn.objects.get(session=session, number=2)
        assert [hit["rule_id"] for hit in turn.hits] == ["CN-C02"]
        assert (session.outcome, session.passed, session.marks["legality"]) == ("complaint", False, "fail")

    def test_a_reply_after_the_end_is_refused_and_changes_nothing(self, trainee):
        session = converse(trainee, FORGOT_EN)

        with pytest.raises(practice.ReplyRefused, match="This conversation is over"):
            practice.reply(session_id=session.pk, user=trainee, text="Hello again", now=NOW)

        assert PracticeTurn.objects.filter(session=session).count() == 4

    def test_an_empty_reply_is_refused_and_records_no_turn(self, trainee):
        session = practice.start_session(user=trainee, scenario_slug="forgot", language="en", now=NOW)

        with pytest.raises(practice.ReplyRefused, match="Type your reply first"):
            practice.reply(session_id=session.pk, user=trainee, text="  ", now=NOW)

        assert not PracticeTurn.objects.filter(session=session).exists()
        assert PracticeSession.objects.get(pk=session.pk).node == "hello"

    def test_someone_elses_conversation_is_not_found(self, trainee):
        session = practice.start_session(user=trainee, scenario_slug="forgot", language="en", now=NOW)

        with pytest.raises(NotFound):
            practice.reply(session_id=session.pk, user=UserFactory(), text="Hello", now=NOW)


class TestCertification:
    def test_passing_the_quiz_alone_does_not_certify(self, trainee):
        attempt = attempts.submit_quiz(user=trainee, answers=all_right(), now=NOW)

        assert (attempt.correct, attempt.total, attempt.percent, attempt.passed) == (13, 13, 100, True)
        assert not Certification.objects.exists()

    def test_the_quiz_and_a_passed_scenario_certify_for_a_year(self, trainee):
        converse(trainee, FORGOT_EN)

        attempts.submit_quiz(user=trainee, answers=all_right(), now=NOW)

        held = Certification.objects.get(user=trainee)
        assert held.valid_until == date(2027, 3, 31)
        assert AuditEvent.objects.filter(action="training.certify", actor_label="novice").count() == 1

    def test_passing_the_scenario_after_the_quiz_certifies_too(self, trainee):
        attempts.submit_quiz(user=trainee, answers=all_right(), now=NOW)

        converse(trainee, FORGOT_EN)

        assert Certification.objects.filter(user=trainee).count() == 1

    def test_a_failed_quiz_keeps_the_attempt_and_certifies_nothing(self, trainee):
        converse(trainee, FORGOT_EN)
        answers = all_right()
        for question in list(answers)[:3]:
            answers[question] = "z"

        attempt = attempts.submit_quiz(user=trainee, answers=answers, now=NOW)

        assert (attempt.correct, attempt.percent, attempt.passed) == (10, 76, False)
        assert QuizAttempt.objects.filter(user=trainee).count() == 1
        assert not Certification.objects.exists()

    def test_a_manager_revokes_and_the_gate_closes(self, trainee):
        portfolio = PortfolioFactory()
        manager = UserFactory(username="qa", role="qa_reviewer", portfolios=[portfolio])
        certification.set_policy(portfolio_id=portfolio.pk, required=True, actor=manager, now=NOW)
        converse(trainee, FORGOT_EN)
        attempts.submit_quiz(user=trainee, answers=all_right(), now=NOW)
        assert certification.is_certified(trainee, portfolio, as_of=NOW.date())

        certification.revoke_certification(
            user_id=trainee.pk, actor=manager, reason="Threatened a debtor", now=NOW
        )

        assert not certification.is_certified(trainee, portfolio, as_of=NOW.date())
        assert AuditEvent.objects.filter(
            action="training.revoke_certification", reason="Threatened a debtor"
        ).exists()

    def test_only_a_manager_of_the_portfolio_sets_the_rule(self, trainee):
        portfolio = PortfolioFactory()
        outsider = UserFactory(username="qa-elsewhere", role="qa_reviewer", portfolios=[PortfolioFactory()])

        with pytest.raises(PermissionDenied):
            certification.set_policy(portfolio_id=portfolio.pk, required=True, actor=trainee, now=NOW)
        with pytest.raises(NotFound):
            certification.set_policy(portfolio_id=portfolio.pk, required=True, actor=outsider, now=NOW)

        assert not certification.requires_certification(portfolio.pk)
