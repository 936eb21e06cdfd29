"""The quality API: scorecards, samples, the queue, transcripts and uploads, scoring, coaching, trends."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from arrears.quality import scoring
from arrears.quality.models import CoachingTask, Evidence, QualityReview, Scorecard
from tests.factories.quality import contact, quality_world

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)
ALL_PASS = {item.key: "pass" for item in scoring.default_spec().items}


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


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def post(client, url, payload):
    return client.post(url, json.dumps(payload), content_type="application/json")


@pytest.fixture
def review(world):
    activity = contact(world.case(), world.lina, at=MORNING, note="Talked about the balance.")
    response = client_for(world.reviewer).post(f"/api/v1/quality/contacts/{activity.pk}/review")
    assert response.status_code == 201
    return QualityReview.objects.get(pk=response.json()["id"])


class TestScorecardApi:
    def test_reads_and_saves_a_version(self, world):
        client = client_for(world.supervisor)
        spec = client.get(f"/api/v1/quality/scorecards/{world.portfolio.pk}").json()["spec"]
        spec["pass_percent"] = "75"

        response = client.put(
            f"/api/v1/quality/scorecards/{world.portfolio.pk}",
            json.dumps({"spec": spec, "note": "lower bar"}),
            content_type="application/json",
        )

        assert response.status_code == 200
        assert response.json()["version"] == 2
        assert response.json()["spec"]["pass_percent"] == "75"

    def test_weights_that_do_not_add_up_answer_422_and_save_nothing(self, world):
        client = client_for(world.supervisor)
        spec = scoring.spec_to_data(scoring.default_spec())
        spec["items"][1]["weight"] = "1"

        response = client.put(
            f"/api/v1/quality/scorecards/{world.portfolio.pk}",
            json.dumps({"spec": spec}),
            content_type="application/json",
        )

        assert response.status_code == 422
        assert response.json() == {"detail": "The weights add up to 91; they must add up to 100."}
        assert Scorecard.objects.count() == 1

    def test_a_collector_may_not_save_and_another_portfolio_is_not_found(self, world):
        other = quality_world("other")

        assert (
            client_for(world.lina)
            .put(
                f"/api/v1/quality/scorecards/{world.portfolio.pk}",
                json.dumps({"spec": {}}),
                content_type="application/json",
            )
            .status_code
            == 403
        )
        assert (
            client_for(world.supervisor).get(f"/api/v1/quality/scorecards/{other.portfolio.pk}").status_code
            == 404
        )


class TestReviewApi:
    def test_sample_queue_transcript_upload_submit_and_coaching(self, world):
        for minute in range(4):
            contact(world.case(), world.lina, at=MORNING.replace(minute=minute))
        qa = client_for(world.reviewer)

        sample = post(
            qa,
            "/api/v1/quality/samples",
            {"portfolio_id": world.portfolio.pk, "date": "2026-03-31", "rate": "0.5"},
        )
        queue = qa.get("/api/v1/quality/reviews").json()
        first = queue[0]["id"]
        transcript = post(
            qa, f"/api/v1/quality/reviews/{first}/transcript", {"text": "Agent: Hello, my name is Lina."}
        )
        upload = qa.post(
            f"/api/v1/quality/reviews/{first}/evidence",
            {"kind": "recording", "file": SimpleUploadedFile("call.ogg", b"OggS" + bytes(20))},
        )
        submitted = post(
            qa, f"/api/v1/quality/reviews/{first}/submit", {"marks": {**ALL_PASS, "legality": "fail"}}
        )
        tasks = client_for(world.supervisor).get("/api/v1/quality/coaching").json()
        coached = post(
            client_for(world.supervisor),
            f"/api/v1/quality/coaching/{tasks[0]['id']}/coached",
            {"note": "Talked it through."},
        )

        assert sample.status_code == 201
        assert (sample.json()["contacts"], sample.json()["drawn"]) == (4, 2)
        assert len(queue) == 2
        assert transcript.json()["prescore"]["suggested"]["identification_greeting"] == {
            "mark": "fail", "reasons": ["identify_creditor"],
        }  # fmt: skip
        assert upload.status_code == 201
        assert upload.json()["content_type"] == "audio/ogg"
        assert submitted.status_code == 200
        assert (submitted.json()["percent"], submitted.json()["passed"]) == ("90.00", False)
        assert submitted.json()["failed_critical"] == ["legality"]
        assert tasks[0]["items"] == ["legality"]
        assert coached.json()["status"] == "follow_up"

    def test_an_unreadable_upload_answers_422_and_saves_nothing(self, world, review):
        response = client_for(world.reviewer).post(
            f"/api/v1/quality/reviews/{review.pk}/evidence",
            {"kind": "recording", "file": SimpleUploadedFile("call.mp3", b"this is not audio")},
        )

        assert response.status_code == 422
        assert "not what its name says" in response.json()["detail"]
        assert not Evidence.objects.exists()

    def test_bad_marks_answer_422_and_the_review_stays_pending(self, world, review):
        response = post(
            client_for(world.reviewer),
            f"/api/v1/quality/reviews/{review.pk}/submit",
            {"marks": {"legality": "maybe"}},
        )

        assert response.status_code == 422
        assert response.json()["detail"] == "Unknown mark maybe: use pass, fail or na."
        review.refresh_from_db()
        assert review.status == "pending"

    def test_the_queue_is_for_reviewers_and_a_collector_sees_only_their_own_review(self, world, review):
        lina, wei = client_for(world.lina), client_for(world.wei)

        assert lina.get("/api/v1/quality/reviews").status_code == 403
        assert lina.get(f"/api/v1/quality/reviews/{review.pk}").status_code == 200
        assert wei.get(f"/api/v1/quality/reviews/{review.pk}").status_code == 404

    def test_the_recording_downloads_only_in_scope(self, world, review):
        qa = client_for(world.reviewer)
        evidence = qa.post(
            f"/api/v1/quality/reviews/{review.pk}/evidence",
            {"kind": "transcript", "file": SimpleUploadedFile("call.txt", "坐席：您好".encode())},
        ).json()

        download = qa.get(f"/api/v1/quality/reviews/{review.pk}/evidence/{evidence['id']}")
        outsider = client_for(quality_world("other").reviewer)

        assert download.status_code == 200
        assert b"".join(download.streaming_content).decode() == "坐席：您好"
        assert (
            outsider.get(f"/api/v1/quality/reviews/{review.pk}/evidence/{evidence['id']}").status_code == 404
        )


class TestTrendsApi:
    def test_trends_after_a_review(self, world, review):
        post(
            client_for(world.reviewer),
            f"/api/v1/quality/reviews/{review.pk}/submit",
            {"marks": {**ALL_PASS, "closing": "fail"}},
        )

        with time_machine.travel(datetime(2026, 4, 2, 3, 0, tzinfo=UTC)):
            body = client_for(world.supervisor).get("/api/v1/quality/trends").json()

        assert [(row["name"], row["reviews"], row["average"]) for row in body["collectors"]] == [
            (world.lina.username, 1, "96.00")
        ]
        assert body["failed_items"][0]["key"] == "closing"
        assert CoachingTask.objects.count() == 0
        assert client_for(world.lina).get("/api/v1/quality/trends").status_code == 403
