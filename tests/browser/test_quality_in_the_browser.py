"""Quality in Chromium: the scorecard editor checks the weights as the manager types; a review is scored."""

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from arrears.quality import reviews
from arrears.quality.models import CoachingTask, Scorecard
from tests.browser.accounts import log_in
from tests.factories.quality import contact, quality_world

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)


def test_the_editor_shows_the_total_and_the_problem_while_typing_and_saves_a_fixed_card(page):
    world = quality_world()

    log_in(page, world.supervisor.username)
    page.goto(f"/quality/scorecards/{world.portfolio.pk}/")
    page.get_by_test_id("weight-0").fill("15")
    expect(page.get_by_test_id("weight-total")).to_have_text("105")
    expect(page.get_by_test_id("scorecard-problems")).to_contain_text("The weights add up to 105")
    page.locator("input[name=key-11]").fill("")  # drops "closing" (weight 4)
    expect(page.get_by_test_id("weight-total")).to_have_text("101")
    page.get_by_test_id("weight-0").fill("14")
    expect(page.get_by_test_id("weight-total")).to_have_text("100")
    expect(page.get_by_test_id("scorecard-check")).to_contain_text("ready to save")
    page.get_by_role("button", name="Save new version").click()

    expect(page.get_by_text("Scorecard version 2 saved and active.")).to_be_visible()
    active = Scorecard.objects.get(portfolio=world.portfolio, is_active=True)
    assert [item["key"] for item in active.spec["items"]][-1] == "agree_next_step"


def test_a_reviewer_scores_a_contact_with_the_pre_score_preselected(page):
    world = quality_world()
    activity = contact(
        world.case(), world.lina, at=NOW, note="Offered a payment plan; we agreed he pays by Friday."
    )
    review = reviews.queue_contact(activity_id=activity.pk, actor=world.reviewer, now=NOW)

    log_in(page, world.reviewer.username)
    page.goto(f"/quality/reviews/{review.pk}/")
    expect(page.locator("input[name=mark_propose_solution][value=pass]")).to_be_checked()
    for item in page.get_by_test_id("review-form").locator("fieldset").all():
        if not item.locator("input[value=pass]").is_checked():
            item.locator("input[value=pass]").check()
    page.locator("input[name=mark_confidentiality][value=fail]").check()
    page.get_by_role("button", name="Save review").click()

    expect(page.get_by_test_id("review-verdict")).to_have_text("failed")
    expect(page.get_by_test_id("review-score")).to_have_text("90.00 %")
    assert CoachingTask.objects.get().items == ["confidentiality"]
