"""A practice scenario walked end to end in Chromium: a blocked reply, the elements, the debtor's next line,
the score at the end; then the quiz, and the certification the team page shows."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from arrears.training import content
from arrears.training.models import Certification, PracticeSession
from tests.browser.accounts import log_in
from tests.factories.people import UserFactory
from tests.factories.portfolio import PortfolioFactory

pytestmark = pytest.mark.django_db(transaction=True)


def say(page, text):
    page.get_by_test_id("reply-form").locator("textarea[name=reply]").fill(text)
    page.get_by_test_id("send").click()


def test_a_trainee_walks_the_forgetful_customer_and_is_certified_after_the_quiz(page):
    content.install_defaults(actor=None, now=timezone.now())
    portfolio = PortfolioFactory(code="cn-consumer", name="Consumer loans CN")
    UserFactory(username="zhangwei", portfolios=[portfolio])
    UserFactory(username="lead", supervisor=True, portfolios=[portfolio])

    log_in(page, "zhangwei")
    page.get_by_role("link", name="Training").first.click()
    page.get_by_test_id("start-forgot").click()
    expect(page.get_by_test_id("debtor-says")).to_have_text("Hello? Who is calling?")

    say(page, "Hello, my name is Wang, calling from Bright Consumer Finance.")
    expect(page.get_by_test_id("debtor-says")).to_have_text("Yes, this is Li Na. What is it about?")
    expect(page.get_by_test_id("feedback-1")).to_contain_text("Collector names the creditor")

    say(page, "Your bill ending 4821 of 3,250.00 CNY was due on 15 March, pay it or you will regret it.")
    expect(page.get_by_test_id("debtor-says")).to_have_text(
        "How dare you talk to me like that? I am making a complaint."
    )
    expect(page.get_by_test_id("feedback-2").get_by_test_id("hit")).to_contain_text("Threats or intimidation")
    expect(page.get_by_test_id("failed")).to_be_visible()
    expect(page.get_by_test_id("mark-legality")).to_have_attribute("data-mark", "fail")

    page.get_by_role("button", name="Practise again").click()
    expect(page.get_by_test_id("debtor-says")).to_have_text("Hello? Who is calling?")
    say(page, "Hello, my name is Wang, calling from Bright Consumer Finance.")
    expect(page.get_by_test_id("turn-1")).to_be_visible()
    say(page, "A friendly reminder that your bill ending 4821 of 3,250.00 CNY was due on 15 March.")
    expect(page.get_by_test_id("debtor-says")).to_contain_text("I completely forgot")
    say(page, "You can pay by bank transfer or in the app. When could you pay?")
    expect(page.get_by_test_id("debtor-says")).to_contain_text("this evening after work")
    say(page, "Great, so we agree you pay this evening. Thank you, goodbye.")
    expect(page.get_by_test_id("score")).to_have_text("100.00")
    expect(page.get_by_test_id("passed")).to_be_visible()
    assert PracticeSession.objects.filter(passed=True).count() == 1

    page.goto("/training/quiz/")
    _material, quiz = content.active_quiz()
    for question in quiz.questions:
        page.get_by_test_id(f"question-{question.id}").locator(f"input[value={question.answer}]").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_test_id("quiz-score")).to_have_text("13 / 13 (100%)")
    expect(page.get_by_test_id("certified")).to_be_visible()
    assert Certification.objects.filter(user__username="zhangwei").count() == 1

    page.get_by_role("button", name="Log out").click()
    log_in(page, "lead")
    page.goto("/training/team/")
    expect(page.get_by_test_id("collector-zhangwei")).to_contain_text("Certified")
