"""The quality pages: queue and sample, review with evidence and pre-score, coaching, trends, scorecard editor."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from arrears.quality import reviews, scoring
from arrears.quality.models import CoachingTask, Evidence, QualityReview, ReviewStatus, SampleRun, Scorecard
from tests.factories.quality import contact, quality_world

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
ALL_PASS = {item.key: "pass" for item in scoring.default_spec().items}
TRANSCRIPT = """Agent: Good morning, my name is Lina, calling on behalf of Star Bank.
Agent: Your balance of 10,000.00 CNY was due on 1 March 2026.
Agent: We could set up a payment plan of three instalments.
Agent: So we agreed you will pay by Friday, and I will call you back on Monday. Thank you, goodbye."""


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
    activity = contact(
        world.case(), world.lina, at=MORNING, note="Debtor asked for more time; offered a payment plan."
    )
    return reviews.queue_contact(activity_id=activity.pk, actor=world.reviewer, now=NOW)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def form_marks(marks):
    return {f"mark_{key}": value for key, value in marks.items()}


class TestQueue:
    def test_the_reviewer_sees_the_queue_and_the_nav_link(self, world, review):
        response = client_for(world.reviewer).get("/quality/")

        assert response.status_code == 200
        body = response.content.decode()
        assert 'href="/quality/">Quality</a>' in body
        assert f'data-testid="review-{review.pk}"' in body
        assert "Chosen by a reviewer" in body

    def test_a_collector_may_not_open_the_queue(self, world):
        assert client_for(world.lina).get("/quality/").status_code == 403

    def test_drawing_a_sample_from_the_page(self, world):
        for minute in range(4):
            contact(world.case(), world.wei, at=MORNING.replace(minute=minute))

        response = client_for(world.reviewer).post(
            "/quality/", {"portfolio": world.portfolio.pk, "day": "2026-03-31", "rate": "0.25"}, follow=True
        )

        assert "1 of 4 contacts drawn for review." in response.content.decode()
        assert SampleRun.objects.get().drawn == 1

    def test_a_rate_above_one_is_shown_and_nothing_drawn(self, world):
        response = client_for(world.reviewer).post(
            "/quality/", {"portfolio": world.portfolio.pk, "day": "2026-03-31", "rate": "1.5"}
        )

        assert response.status_code == 400
        assert 'data-testid="sample-errors"' in response.content.decode()
        assert not SampleRun.objects.exists()


class TestReviewPage:
    def test_shows_the_evidence_the_pre_score_and_the_scorecard(self, world, review):
        body = client_for(world.reviewer).get(f"/quality/reviews/{review.pk}/").content.decode()

        assert "Debtor asked for more time; offered a payment plan." in body
        assert 'data-testid="contact-result">Right-party contact<' in body
        assert "owed 10,000.00 CNY that day" in body
        assert 'data-testid="element-offer_solution" data-found="yes"' in body
        assert 'data-testid="item-propose_solution" data-suggested="pass"' in body
        assert 'data-testid="item-legality" data-suggested=""' in body
        assert "Legality" in body and "critical" in body

    def test_labels_follow_the_language(self, world, review):
        client = client_for(world.reviewer)
        client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})

        body = client.get(f"/quality/reviews/{review.pk}/").content.decode()

        assert "合法性" in body
        assert "提出解决方案" in body

    def test_a_pasted_transcript_fills_the_pre_score(self, world, review):
        client = client_for(world.reviewer)

        response = client.post(f"/quality/reviews/{review.pk}/transcript/", {"text": TRANSCRIPT}, follow=True)

        body = response.content.decode()
        assert "Transcript kept; the pre-score was computed again." in body
        assert 'data-testid="element-state_amount" data-found="yes"' in body
        assert 'data-testid="item-verify_debt_facts" data-suggested="pass"' in body
        assert 'data-testid="item-legality" data-suggested="pass"' in body

    def test_submitting_a_failed_critical_item_shows_the_score_and_opens_coaching(self, world, review):
        marks = form_marks({**ALL_PASS, "compliance": "fail"})

        response = client_for(world.reviewer).post(
            f"/quality/reviews/{review.pk}/submit/", marks, follow=True
        )

        body = response.content.decode()
        assert 'data-testid="review-score">90.00 %<' in body
        assert 'data-testid="review-verdict">failed<' in body
        assert CoachingTask.objects.get(review=review).items == ["compliance"]

    def test_a_missing_mark_is_shown_and_nothing_saved(self, world, review):
        marks = form_marks(ALL_PASS)
        del marks["mark_closing"]

        response = client_for(world.reviewer).post(f"/quality/reviews/{review.pk}/submit/", marks)

        assert response.status_code == 400
        assert "This field is required." in response.content.decode()
        review.refresh_from_db()
        assert review.status == ReviewStatus.PENDING

    def test_an_oversized_upload_is_refused_with_the_limit(self, world, review, settings):
        settings.ARREARS_UPLOAD_MAX_BYTES = 10

        response = client_for(world.reviewer).post(
            f"/quality/reviews/{review.pk}/evidence/",
            {"kind": "transcript", "file": SimpleUploadedFile("call.txt", b"x" * 11)},
        )

        assert response.status_code == 400
        assert "is 11 bytes; a file may be at most 10 bytes. Nothing was saved." in response.content.decode()
        assert not Evidence.objects.exists()

    def test_a_recording_is_uploaded_and_played_from_the_page(self, world, review):
        client = client_for(world.reviewer)

        client.post(
            f"/quality/reviews/{review.pk}/evidence/",
            {"kind": "recording", "file": SimpleUploadedFile("call.mp3", b"ID3\x03\x00" + bytes(30))},
        )

        evidence = Evidence.objects.get()
        body = client.get(f"/quality/reviews/{review.pk}/").content.decode()
        assert (
            f'<audio controls preload="none" src="/quality/reviews/{review.pk}/evidence/{evidence.pk}/">'
            in body
        )
        download = client.get(f"/quality/reviews/{review.pk}/evidence/{evidence.pk}/")
        assert b"".join(download.streaming_content).startswith(b"ID3")
        assert download["Content-Type"] == "audio/mpeg"
        assert (
            client_for(quality_world("other").reviewer).get(f"/quality/reviews/{review.pk}/").status_code
            == 404
        )


class TestCoachingPages:
    def test_the_supervisor_coaches_then_closes(self, world, review):
        reviews.submit_review(
            review=review, marks={**ALL_PASS, "legality": "fail"}, actor=world.reviewer, now=NOW
        )
        task = CoachingTask.objects.get()
        boss = client_for(world.supervisor)

        listing = boss.get("/quality/coaching/").content.decode()
        coached = boss.post(
            f"/quality/coaching/{task.pk}/coached/", {"note": "Went through 合法性."}, follow=True
        )
        closed = boss.post(f"/quality/coaching/{task.pk}/close/", {"note": "Follow-up fine."}, follow=True)

        assert f'data-testid="task-{task.pk}" data-status="open"' in listing
        assert 'data-testid="task-status">Coached, follow-up under review<' in coached.content.decode()
        assert 'data-testid="task-status">Closed<' in closed.content.decode()

    def test_a_note_is_required_and_another_collector_cannot_see_the_task(self, world, review):
        reviews.submit_review(
            review=review, marks={**ALL_PASS, "legality": "fail"}, actor=world.reviewer, now=NOW
        )
        task = CoachingTask.objects.get()

        response = client_for(world.supervisor).post(f"/quality/coaching/{task.pk}/coached/", {"note": ""})

        assert response.status_code == 400
        assert client_for(world.wei).get(f"/quality/coaching/{task.pk}/").status_code == 404
        assert client_for(world.lina).get(f"/quality/coaching/{task.pk}/").status_code == 200


class TestTrendsPage:
    def test_shows_collectors_teams_and_failed_items(self, world, review):
        reviews.submit_review(
            review=review, marks={**ALL_PASS, "closing": "fail"}, actor=world.reviewer, now=NOW
        )

        with time_machine.travel(datetime(2026, 4, 1, 3, 0, tzinfo=UTC)):
            body = client_for(world.supervisor).get("/quality/trends/").content.decode()

        assert f'data-testid="trend-{world.lina.pk}"' in body
        assert "96.00 %" in body
        assert 'data-testid="failed-closing"' in body


class TestScorecardEditor:
    def post_data(self, *, weights):
        spec = scoring.default_spec()
        data = {"rows": str(len(spec.items)), "pass_percent": "80", "coaching_percent": "85", "note": "test"}
        for index, item in enumerate(spec.items):
            data.update({
                f"key-{index}": item.key, f"label_en-{index}": item.label_en, f"label_zh-{index}": item.label_zh,
                f"section-{index}": item.section, f"weight-{index}": weights.get(item.key, str(item.weight)),
            })  # fmt: skip
            if item.critical:
                data[f"critical-{index}"] = "on"
        return data

    def test_the_live_check_shows_the_total_and_the_problem(self, world):
        response = client_for(world.supervisor).post(
            f"/quality/scorecards/{world.portfolio.pk}/validate/", self.post_data(weights={"closing": "9"})
        )

        body = response.content.decode()
        assert 'data-testid="weight-total">105<' in body
        assert "The weights add up to 105; they must add up to 100." in body
        assert "<html" not in body

    def test_saving_a_valid_edit_makes_a_new_version(self, world):
        response = client_for(world.supervisor).post(
            f"/quality/scorecards/{world.portfolio.pk}/",
            self.post_data(weights={"closing": "2", "legality": "12"}),
            follow=True,
        )

        assert "Scorecard version 2 saved and active." in response.content.decode()
        active = Scorecard.objects.get(portfolio=world.portfolio, is_active=True)
        assert active.spec["items"][0]["weight"] == "12"
        assert active.note == "test"

    def test_saving_weights_that_do_not_add_up_saves_nothing(self, world):
        response = client_for(world.supervisor).post(
            f"/quality/scorecards/{world.portfolio.pk}/", self.post_data(weights={"closing": "1"})
        )

        assert response.status_code == 400
        assert "The weights add up to 97; they must add up to 100." in response.content.decode()
        assert Scorecard.objects.filter(portfolio=world.portfolio).count() == 1

    def test_a_reviewer_without_manage_quality_may_not_edit(self, world):
        compliance = client_for(
            type(world.lina).objects.create(username="officer", role="compliance_officer")
        )

        assert compliance.get(f"/quality/scorecards/{world.portfolio.pk}/").status_code == 403
        assert QualityReview.objects.count() == 0
