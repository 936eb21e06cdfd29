"""Scorecards, reviewing a contact with its pre-score and evidence, coaching and trends."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from arrears.core.audit.models import AuditEvent
from arrears.core.errors import PermissionDenied
from arrears.quality import coaching, reviews, sampling, scorecards, scoring, trends
from arrears.quality.evidence import InvalidEvidence
from arrears.quality.models import (
    CoachingStatus,
    CoachingTask,
    Evidence,
    QualityReview,
    ReviewMark,
    ReviewStatus,
    Scorecard,
)
from tests.factories.quality import contact, quality_world

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
ALL_PASS = {item.key: "pass" for item in scoring.default_spec().items}

TRANSCRIPT_ZH = """坐席：您好，我是星辰银行的催收专员李娜，工号A1023。请问是王先生吗？
客户：是我。
坐席：您的贷款已于3月1日到期，欠款金额为10,000.00元。
客户：我最近手头紧。
坐席：理解您的情况，我们可以为您申请分期还款，分3期。
坐席：那我们约定您4月5日前还第一期，我会在4月6日跟进。感谢您的配合，再见。"""


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    return tmp_path


@pytest.fixture
def world():
    return quality_world()


@pytest.fixture
def review(world):
    activity = contact(world.case(), world.lina, at=MORNING, note="Talked to the debtor about the balance.")
    return reviews.queue_contact(activity_id=activity.pk, actor=world.reviewer, now=NOW)


class TestScorecards:
    def test_the_default_is_installed_once_per_portfolio(self, world):
        again = scorecards.install_defaults(portfolios=[world.portfolio], actor=None, now=NOW)

        card = scorecards.get_active_scorecard(portfolio_id=world.portfolio.pk)
        assert again == []
        assert card.version == 1
        assert scorecards.spec_of(card) == scoring.default_spec()

    def test_a_manager_saves_a_new_version_that_becomes_active(self, world):
        data = scoring.spec_to_data(scoring.default_spec())
        data["items"][0]["weight"] = "12"
        data["items"][-1]["weight"] = "2"

        card = scorecards.save_scorecard(
            portfolio=world.portfolio, data=data, actor=world.supervisor, now=NOW, note="legality weighs more"
        )

        assert card.version == 2
        assert list(Scorecard.objects.filter(portfolio=world.portfolio, is_active=True)) == [card]
        event = AuditEvent.objects.get(action="quality.save_scorecard", object_id=str(card.pk))
        assert event.before == {"version": 1}

    def test_weights_that_do_not_add_up_are_refused_with_the_total_and_nothing_saved(self, world):
        data = scoring.spec_to_data(scoring.default_spec())
        data["items"][0]["weight"] = "15"

        with pytest.raises(
            scorecards.InvalidScorecard, match=r"The weights add up to 105; they must add up to 100\."
        ):
            scorecards.save_scorecard(portfolio=world.portfolio, data=data, actor=world.supervisor, now=NOW)

        assert Scorecard.objects.filter(portfolio=world.portfolio).count() == 1

    def test_a_collector_may_not_change_a_scorecard(self, world):
        with pytest.raises(PermissionDenied):
            scorecards.save_scorecard(
                portfolio=world.portfolio,
                data=scoring.spec_to_data(scoring.default_spec()),
                actor=world.lina,
                now=NOW,
            )


class TestPreScore:
    def test_a_pasted_transcript_fills_the_pre_score_against_the_real_amount_and_due_date(
        self, world, review
    ):
        updated = reviews.attach_transcript(review=review, text=TRANSCRIPT_ZH, actor=world.reviewer, now=NOW)

        suggested = {key: value["mark"] for key, value in updated.prescore["suggested"].items()}
        assert updated.prescore["source"] == "transcript"
        assert updated.prescore["facts"] == {"amount": "10000.00", "due_date": "2026-03-01"}
        assert suggested == {
            "legality": "pass", "compliance": "pass", "identification_greeting": "pass",
            "verify_debt_facts": "pass", "propose_solution": "pass", "agree_next_step": "pass", "closing": "pass",
        }  # fmt: skip

    def test_a_transcript_with_a_threat_and_the_wrong_amount_suggests_failures(self, world, review):
        text = "坐席：王先生，你欠了8,000元，再不还我们就去你单位找你。"

        updated = reviews.attach_transcript(review=review, text=text, actor=world.reviewer, now=NOW)

        suggested = updated.prescore["suggested"]
        assert suggested["legality"]["mark"] == "fail"
        assert "CN-C11" in suggested["legality"]["reasons"]
        assert suggested["verify_debt_facts"] == {
            "mark": "fail",
            "reasons": ["state_amount", "state_due_date"],
        }
        assert suggested["identification_greeting"]["mark"] == "fail"
        amount = next(finding for finding in updated.prescore["elements"] if finding["key"] == "state_amount")
        assert amount["detail"] == "amount_mismatch"

    def test_a_note_suggests_what_it_shows_and_nothing_for_what_it_leaves_out(self, world):
        activity = contact(
            world.case(), world.lina, at=MORNING, note="Offered a payment plan; we agreed he pays by Friday."
        )

        review = reviews.queue_contact(activity_id=activity.pk, actor=world.reviewer, now=NOW)

        suggested = {key: value["mark"] for key, value in review.prescore["suggested"].items()}
        assert suggested == {"propose_solution": "pass", "agree_next_step": "pass"}


class TestSubmitReview:
    def test_all_passed_scores_100_and_opens_no_coaching(self, world, review):
        done = reviews.submit_review(review=review, marks=ALL_PASS, actor=world.reviewer, now=NOW)

        assert done.status == ReviewStatus.COMPLETED
        assert done.percent == Decimal("100.00")
        assert done.passed is True
        assert ReviewMark.objects.filter(review=done).count() == 12
        assert not CoachingTask.objects.exists()

    def test_a_failed_critical_item_fails_the_contact_and_opens_coaching_for_the_supervisor(
        self, world, review
    ):
        marks = {**ALL_PASS, "confidentiality": "fail", "closing": "fail"}

        done = reviews.submit_review(
            review=review,
            marks=marks,
            comments={"confidentiality": "Told the neighbour about the debt."},
            actor=world.reviewer,
            now=NOW,
        )

        assert done.percent == Decimal("86.00")
        assert done.passed is False
        assert done.failed_critical == ["confidentiality"]
        task = CoachingTask.objects.get(review=done)
        assert task.supervisor == world.supervisor
        assert task.collector == world.lina
        assert task.items == ["confidentiality", "closing"]
        assert ReviewMark.objects.get(review=done, item_key="confidentiality").comment == (
            "Told the neighbour about the debt."
        )
        event = AuditEvent.objects.get(action="quality.submit_review")
        assert event.after["coaching_task"] == task.pk
        assert AuditEvent.objects.filter(action="quality.open_coaching").count() == 1

    def test_a_passing_but_low_score_opens_coaching_too(self, world, review):
        marks = {**ALL_PASS, "professionalism": "fail", "listening_clarifying": "fail"}

        done = reviews.submit_review(review=review, marks=marks, actor=world.reviewer, now=NOW)

        assert done.percent == Decimal("84.00")
        assert done.passed is True
        assert CoachingTask.objects.get(review=done).items == ["professionalism", "listening_clarifying"]

    def test_not_applicable_items_leave_the_score(self, world, review):
        marks = {**ALL_PASS, "propose_solution": "na", "consequences_calmly": "na", "closing": "fail"}

        done = reviews.submit_review(review=review, marks=marks, actor=world.reviewer, now=NOW)

        # 78 − 4 of 82 applicable points
        assert (done.points, done.possible, done.percent) == (
            Decimal("78.00"),
            Decimal("82.00"),
            Decimal("95.12"),
        )

    def test_marks_that_leave_an_item_out_are_refused_and_nothing_saved(self, world, review):
        marks = dict(ALL_PASS)
        del marks["closing"]

        with pytest.raises(reviews.InvalidReview, match="Item “closing” has no mark"):
            reviews.submit_review(review=review, marks=marks, actor=world.reviewer, now=NOW)

        review.refresh_from_db()
        assert review.status == ReviewStatus.PENDING
        assert not ReviewMark.objects.exists()

    def test_na_on_an_item_that_always_applies_is_refused(self, world, review):
        with pytest.raises(reviews.InvalidReview, match="always applies"):
            reviews.submit_review(
                review=review, marks={**ALL_PASS, "legality": "na"}, actor=world.reviewer, now=NOW
            )

    def test_a_completed_review_is_not_scored_again(self, world, review):
        reviews.submit_review(review=review, marks=ALL_PASS, actor=world.reviewer, now=NOW)

        with pytest.raises(reviews.ReviewAlreadyCompleted):
            reviews.submit_review(
                review=review, marks={**ALL_PASS, "legality": "fail"}, actor=world.reviewer, now=NOW
            )

        assert ReviewMark.objects.filter(mark="fail").count() == 0

    def test_collectors_may_not_review_and_nobody_reviews_their_own_contact(self, world, review):
        with pytest.raises(PermissionDenied):
            reviews.submit_review(review=review, marks=ALL_PASS, actor=world.wei, now=NOW)
        own = reviews.queue_contact(
            activity_id=contact(world.case(), world.supervisor, at=MORNING).pk,
            actor=world.supervisor,
            now=NOW,
        )

        with pytest.raises(reviews.InvalidReview, match="your own contact"):
            reviews.submit_review(review=own, marks=ALL_PASS, actor=world.supervisor, now=NOW)


class TestEvidence:
    def test_an_uploaded_transcript_becomes_the_reviews_transcript(self, world, review):
        upload = SimpleUploadedFile("call.txt", TRANSCRIPT_ZH.encode("gb18030"))

        evidence = reviews.upload_evidence(
            review=review, upload=upload, kind="transcript", actor=world.reviewer, now=NOW
        )

        review.refresh_from_db()
        assert evidence.size == len(TRANSCRIPT_ZH.encode("gb18030"))
        assert review.transcript == TRANSCRIPT_ZH
        assert review.prescore["suggested"]["verify_debt_facts"]["mark"] == "pass"

    def test_a_recording_is_kept_by_its_content(self, world, review):
        upload = SimpleUploadedFile("call.wav", b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(40))

        evidence = reviews.upload_evidence(
            review=review, upload=upload, kind="recording", actor=world.reviewer, now=NOW
        )

        assert (evidence.kind, evidence.content_type) == ("recording", "audio/wav")
        assert AuditEvent.objects.filter(action="quality.upload_evidence").count() == 1

    def test_an_oversized_upload_is_refused_and_nothing_saved(self, world, review, settings):
        settings.ARREARS_UPLOAD_MAX_BYTES = 100
        upload = SimpleUploadedFile("call.txt", b"x" * 101)

        with pytest.raises(InvalidEvidence, match="at most 100 bytes"):
            reviews.upload_evidence(
                review=review, upload=upload, kind="transcript", actor=world.reviewer, now=NOW
            )

        assert not Evidence.objects.exists()

    @pytest.mark.parametrize(
        ("name", "content", "kind", "message"),
        [
            ("call.mp3", b"%PDF-1.4 not audio", "recording", "not what its name says"),
            ("call.txt", b"\x00\x01\x02binary", "transcript", "not what its name says"),
            ("call.exe", b"MZ", "recording", "not accepted as a recording"),
            ("call.docx", b"PK", "transcript", "not accepted as a transcript"),
            ("empty.txt", b"", "transcript", "is empty"),
        ],
    )
    def test_an_unreadable_upload_is_refused_and_nothing_saved(
        self, world, review, name, content, kind, message
    ):
        with pytest.raises(InvalidEvidence, match=message):
            reviews.upload_evidence(
                review=review,
                upload=SimpleUploadedFile(name, content),
                kind=kind,
                actor=world.reviewer,
                now=NOW,
            )

        review.refresh_from_db()
        assert not Evidence.objects.exists()
        assert review.transcript == ""


class TestCoaching:
    def failed(self, world, review):
        marks = {**ALL_PASS, "agree_next_step": "fail", "legality": "fail"}
        return CoachingTask.objects.get(
            review=reviews.submit_review(review=review, marks=marks, actor=world.reviewer, now=NOW)
        )

    def test_coaching_then_follow_up_of_the_next_contacts_then_closing(self, world, review):
        task = self.failed(world, review)

        coached = coaching.record_coaching(
            task=task, note="Went through the five principles.", actor=world.supervisor, now=NOW
        )
        next_day = [
            contact(world.case(), world.lina, at=MORNING + timedelta(days=1, minutes=n)) for n in range(5)
        ]
        run = sampling.draw_sample(
            portfolio=world.portfolio,
            day=date(2026, 4, 1),
            rate=Decimal(0),
            actor=None,
            now=NOW + timedelta(days=1),
        )
        followed = QualityReview.objects.filter(sample_run=run).order_by("contact_at")
        closed = coaching.close_coaching(
            task=coached, note="Next calls were fine.", actor=world.supervisor, now=NOW
        )

        assert coached.status == CoachingStatus.FOLLOW_UP
        assert [review.activity_id for review in followed] == [activity.pk for activity in next_day[:3]]
        assert all(review.reasons == ["follow_up"] for review in followed)
        assert closed.status == CoachingStatus.CLOSED
        assert AuditEvent.objects.get(action="quality.close_coaching").after["follow_up_reviews"] == [
            review.pk for review in followed
        ]

    def test_closing_before_coaching_is_refused(self, world, review):
        task = self.failed(world, review)

        with pytest.raises(coaching.CoachingNotAllowed, match="cannot become"):
            coaching.close_coaching(task=task, note="done", actor=world.supervisor, now=NOW)

        task.refresh_from_db()
        assert task.status == CoachingStatus.OPEN

    def test_the_collector_may_not_coach_themselves(self, world, review):
        task = self.failed(world, review)

        with pytest.raises(PermissionDenied):
            coaching.record_coaching(task=task, note="I coached myself", actor=world.lina, now=NOW)


class TestTrends:
    def test_average_pass_rate_and_most_failed_items_per_collector_and_team(self, world):
        for collector, marks in (
            (world.lina, {**ALL_PASS, "closing": "fail"}),
            (world.lina, {**ALL_PASS, "closing": "fail", "legality": "fail"}),
            (world.wei, ALL_PASS),
        ):
            activity = contact(world.case(), collector, at=MORNING)
            review = reviews.queue_contact(activity_id=activity.pk, actor=world.reviewer, now=NOW)
            reviews.submit_review(review=review, marks=marks, actor=world.reviewer, now=NOW)

        result = trends.get_trends(user=world.supervisor, now=NOW)

        by_name = {trend.name: trend for trend in result.collectors}
        assert (by_name[world.lina.username].reviews, by_name[world.lina.username].average) == (
            2,
            Decimal("91.00"),
        )
        assert by_name[world.lina.username].pass_rate == Decimal("50.00")
        assert (by_name[world.wei.username].average, by_name[world.wei.username].pass_rate) == (
            Decimal("100.00"), Decimal("100.00"),
        )  # fmt: skip
        assert [(team.name, team.reviews, team.average) for team in result.teams] == [
            (world.team.name, 3, Decimal("94.00"))
        ]
        assert [(item.key, item.failed, item.marked, item.critical) for item in result.failed_items] == [
            ("closing", 2, 3, False),
            ("legality", 1, 3, True),
        ]
        assert result.collectors[0].weeks[0][1:] == (Decimal("91.00"), 2)
