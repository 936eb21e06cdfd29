"""The demo's training: material installed, the collector certified after practice and the quiz, the field agent not."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from arrears.portfolio.models import Portfolio
from arrears.training import certification
from arrears.training.models import Material, PracticeSession, TrainingPolicy

pytestmark = pytest.mark.django_db


def test_the_demo_certifies_the_collector_but_not_the_field_agent():
    call_command("demo", debtors=60, seed=7, as_of=date(2026, 3, 31), stdout=StringIO())

    today = timezone.now().date()
    assert Material.objects.filter(is_active=True).count() == 7
    collector = PracticeSession.objects.get(user__username="collector")
    assert (collector.outcome, collector.passed) == ("promise", True)
    assert certification.get_certification(user_id=collector.user_id, as_of=today) is not None
    field = PracticeSession.objects.get(user__username="field")
    assert (field.outcome, field.passed) == ("complaint", False)
    assert certification.get_certification(user_id=field.user_id, as_of=today) is None
    sme = Portfolio.objects.get(code="cn-sme")
    assert list(
        TrainingPolicy.objects.filter(certification_required=True).values_list("portfolio", flat=True)
    ) == [sme.pk]
