"""`arrears quality install-defaults` and `arrears quality sample`."""

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arrears.quality.models import QualityReview, SampleRun, Scorecard
from tests.factories.portfolio import PortfolioFactory
from tests.factories.quality import contact, quality_world

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("quality", *args, stdout=out)
    return out.getvalue()


class TestInstallDefaults:
    def test_installs_the_default_where_missing_and_only_once(self):
        first = PortfolioFactory(code="a")
        PortfolioFactory(code="b")

        assert run("install-defaults") == "Installed the default scorecard on 2 portfolios.\n"
        assert run("install-defaults") == "Installed the default scorecard on 0 portfolios.\n"
        assert Scorecard.objects.get(portfolio=first).spec["items"][0]["key"] == "legality"


class TestSample:
    def test_draws_the_day_of_each_portfolio_with_a_scorecard(self):
        world = quality_world()
        for minute in range(10):
            contact(world.case(), world.lina, at=datetime(2026, 3, 31, 2, minute, tzinfo=UTC))

        output = run("sample", "--date", "2026-03-31", "--rate", "0.2", "--seed", "3")

        assert output == "cn-consumer 2026-03-31: 2 of 10 contacts drawn (random 2).\n"
        assert SampleRun.objects.get().seed == 3
        assert QualityReview.objects.count() == 2

    def test_a_bad_date_or_rate_is_an_error_not_a_traceback(self):
        quality_world()

        with pytest.raises(CommandError, match="not a date"):
            run("sample", "--date", "31/03/2026")
        with pytest.raises(CommandError, match="between 0 and 1"):
            run("sample", "--date", "2026-03-31", "--rate", "2")

        assert not SampleRun.objects.exists()

    def test_an_unknown_portfolio_is_named(self):
        with pytest.raises(CommandError, match="No portfolio has the code nope"):
            run("sample", "--portfolio", "nope")
