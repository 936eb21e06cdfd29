"""The demo's quality: scorecards everywhere, a day of calls, a sample in the qa login's queue, coaching."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from arrears.casework.models import Activity
from arrears.people.models import User
from arrears.portfolio.models import Portfolio
from arrears.quality import queries
from arrears.quality.models import CoachingTask, QualityReview, ReviewStatus, SampleRun, Scorecard

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 3, 31)


def test_the_demo_gives_the_qa_login_a_queue_and_the_supervisor_a_coaching_task():
    call_command("demo", debtors=120, seed=7, as_of=AS_OF, stdout=StringIO())

    qa, supervisor = User.objects.get(username="qa"), User.objects.get(username="supervisor")
    assert Scorecard.objects.filter(is_active=True).count() == Portfolio.objects.count() == 4
    run = SampleRun.objects.get(portfolio__code="cn-consumer", business_date=date(2026, 3, 30))
    # the collector's 24 calls of the day before (other demos add older contacts)
    assert run.contacts == 24
    assert Activity.objects.filter(created_by__username="collector", note__startswith="客户").count() >= 15
    assert {"random", "linter_review", "dispute", "long_contact"} <= set(run.counts)
    completed = sorted(
        QualityReview.objects.filter(status=ReviewStatus.COMPLETED), key=lambda review: review.percent
    )
    assert [(review.percent, review.passed) for review in completed] == [
        (Decimal("38.00"), False), (Decimal("80.00"), True), (Decimal("100.00"), True),
    ]  # fmt: skip
    assert completed[0].failed_critical == ["legality", "compliance", "consequences_calmly"]
    assert len(queries.list_queue(user=qa)) >= 3
    tasks = CoachingTask.objects.order_by("review__percent")
    assert [(task.supervisor, task.collector.username) for task in tasks] == [(supervisor, "collector")] * 2
    assert tasks[0].items[:3] == ["legality", "compliance", "consequences_calmly"]
    threat = completed[0].prescore
    assert threat["suggested"]["legality"]["mark"] == "fail"
    amount = next(element for element in threat["elements"] if element["key"] == "state_amount")
    assert amount["detail"] == "amount_mismatch"
