"""The daily QA sample: random per collector within the rate, every risky contact, deterministic by seed."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from arrears.casework.models import Dispute
from arrears.compliance.models import Hold
from arrears.core.audit.models import AuditEvent
from arrears.core.errors import NotFound
from arrears.quality import queries, sampling
from arrears.quality.models import QualityReview, SampleRun
from tests.factories.people import UserFactory
from tests.factories.portfolio import PortfolioFactory
from tests.factories.quality import contact, quality_world

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 31)
MORNING = datetime(2026, 3, 31, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)


@pytest.fixture
def world():
    return quality_world()


def contacts_for(world, collector, count, *, start=MORNING):
    cases = [world.case() for _ in range(count)]
    return [contact(case, collector, at=start + timedelta(minutes=index)) for index, case in enumerate(cases)]


def drawn(run, reason=None):
    reviews = QualityReview.objects.filter(sample_run=run)
    return {review.activity_id for review in reviews if reason is None or reason in review.reasons}


class TestRandomSample:
    def test_draws_the_rate_of_each_collectors_contacts_rounded_up(self, world):
        third = UserFactory(username="third", team=world.team, portfolios=[world.portfolio])
        own = {
            world.lina.pk: contacts_for(world, world.lina, 40),
            world.wei.pk: contacts_for(world, world.wei, 25),
            third.pk: contacts_for(world, third, 3),
        }

        run = sampling.draw_sample(
            portfolio=world.portfolio, day=DAY, rate=Decimal("0.10"), actor=world.reviewer, now=NOW
        )

        by_collector = {
            collector: len(drawn(run) & {activity.pk for activity in activities})
            for collector, activities in own.items()
        }
        assert by_collector == {world.lina.pk: 4, world.wei.pk: 3, third.pk: 1}
        assert run.contacts == 68
        assert run.drawn == 8
        assert run.counts == {"random": 8}

    def test_the_rate_holds_within_tolerance_over_many_collectors_and_days(self, world):
        collectors = [
            UserFactory(username=f"c{n}", team=world.team, portfolios=[world.portfolio]) for n in range(5)
        ]
        total = picked = 0
        for offset in range(3):
            start = MORNING + timedelta(days=offset)
            for collector in collectors:
                contacts_for(world, collector, 37, start=start)
            run = sampling.draw_sample(
                portfolio=world.portfolio,
                day=DAY + timedelta(days=offset),
                rate=Decimal("0.07"),
                actor=None,
                now=NOW,
            )
            total, picked = total + run.contacts, picked + run.drawn

        assert total == 555
        # ceil(0.07 × 37) = 3 a collector a day: 45 of 555 = 8.1 %, within one contact per collector-day.
        assert picked == 45
        assert abs(Decimal(picked) / total - Decimal("0.07")) <= Decimal(15) / total

    def test_the_same_seed_draws_the_same_contacts_and_another_seed_others(self, world):
        contacts_for(world, world.lina, 60)
        pool = sampling.list_contacts(portfolio=world.portfolio, day=DAY)

        seven = sampling.choose(pool, rate=Decimal("0.1"), seed=7, day=DAY, follow_up={})
        seven_again = sampling.choose(
            list(reversed(pool)), rate=Decimal("0.1"), seed=7, day=DAY, follow_up={}
        )
        eight = sampling.choose(pool, rate=Decimal("0.1"), seed=8, day=DAY, follow_up={})
        run = sampling.draw_sample(
            portfolio=world.portfolio, day=DAY, rate=Decimal("0.1"), seed=7, actor=None, now=NOW
        )

        assert len(seven.reasons) == 6
        assert set(seven.reasons) == set(seven_again.reasons) == drawn(run)
        assert set(eight.reasons) != set(seven.reasons)

    def test_a_day_drawn_again_returns_the_first_run_and_queues_nothing_more(self, world):
        contacts_for(world, world.lina, 10)
        first = sampling.draw_sample(
            portfolio=world.portfolio, day=DAY, rate=Decimal("0.2"), actor=None, now=NOW
        )

        again = sampling.draw_sample(
            portfolio=world.portfolio, day=DAY, rate=Decimal("0.9"), actor=None, now=NOW
        )

        assert again.pk == first.pk
        assert QualityReview.objects.count() == 2
        assert AuditEvent.objects.filter(action="quality.draw_sample").count() == 1

    def test_contacts_of_the_local_day_only(self, world):
        case = world.case()
        contact(case, world.lina, at=datetime(2026, 3, 30, 15, 59, tzinfo=UTC))  # 23:59 on the 30th locally
        inside = contact(
            world.case(), world.lina, at=datetime(2026, 3, 30, 16, 0, tzinfo=UTC)
        )  # 00:00 on the 31st

        run = sampling.draw_sample(portfolio=world.portfolio, day=DAY, rate=Decimal(1), actor=None, now=NOW)

        assert drawn(run) == {inside.pk}


class TestRiskBasedSample:
    def test_every_risky_contact_is_drawn_with_its_reasons(self, world):
        quiet = contacts_for(world, world.lina, 20)
        flagged = contact(world.case(), world.lina, at=MORNING, note="客户同意还款，我们下周安排上门拜访。")
        complained = world.case()
        Hold.objects.create(
            debtor=complained.debtor,
            type="complaint",
            starts_at=MORNING - timedelta(days=2),
            reason="complaint",
            created_at=MORNING - timedelta(days=2),
        )
        complaint = contact(complained, world.lina, at=MORNING)
        disputing = contact(world.case(), world.wei, at=MORNING, result="dispute")
        disputed_case = world.case()
        Dispute.objects.create(
            case=disputed_case, reason="amount_wrong", description="wrong amount", opened_at=MORNING
        )
        dispute_opened = contact(disputed_case, world.wei, at=MORNING)
        long_note = contact(world.case(), world.wei, at=MORNING, note="Long call. " * 30)
        repeated_case = world.case()
        for day in (3, 2):
            contact(repeated_case, world.wei, at=MORNING - timedelta(days=day))
        repeated = contact(repeated_case, world.wei, at=MORNING)

        run = sampling.draw_sample(portfolio=world.portfolio, day=DAY, rate=Decimal(0), actor=None, now=NOW)

        reasons = {
            review.activity_id: review.reasons for review in QualityReview.objects.filter(sample_run=run)
        }
        assert reasons == {
            flagged.pk: ["linter_review"],
            complaint.pk: ["complaint"],
            disputing.pk: ["dispute"],
            dispute_opened.pk: ["dispute"],
            long_note.pk: ["long_contact"],
            repeated.pk: ["repeated_contact"],
        }
        assert not drawn(run) & {activity.pk for activity in quiet}
        assert run.counts == {
            "complaint": 1,
            "dispute": 2,
            "linter_review": 1,
            "long_contact": 1,
            "repeated_contact": 1,
        }

    def test_risky_contacts_count_towards_the_collectors_quota(self, world):
        contacts_for(world, world.lina, 9)
        contact(world.case(), world.lina, at=MORNING, result="dispute")

        run = sampling.draw_sample(
            portfolio=world.portfolio, day=DAY, rate=Decimal("0.1"), actor=None, now=NOW
        )

        assert run.drawn == 1
        assert run.counts == {"dispute": 1}


class TestRefusals:
    def test_a_rate_outside_zero_to_one_is_refused_and_nothing_drawn(self, world):
        contacts_for(world, world.lina, 3)

        with pytest.raises(sampling.InvalidSample, match="between 0 and 1"):
            sampling.draw_sample(portfolio=world.portfolio, day=DAY, rate=Decimal(5), actor=None, now=NOW)

        assert not SampleRun.objects.exists()

    def test_a_portfolio_without_a_scorecard_is_refused(self):
        portfolio = PortfolioFactory(code="bare", time_zone="Asia/Shanghai")

        with pytest.raises(NotFound, match="no scorecard"):
            sampling.draw_sample(portfolio=portfolio, day=DAY, actor=None, now=NOW)

        assert not SampleRun.objects.exists()


class TestQueue:
    def test_risky_contacts_come_first_and_the_reason_filter_sees_past_the_page(self, world):
        quiet = contacts_for(world, world.lina, 30)
        late_dispute = contact(world.case(), world.wei, at=MORNING + timedelta(hours=5), result="dispute")
        sampling.draw_sample(portfolio=world.portfolio, day=DAY, rate=Decimal(1), actor=None, now=NOW)

        first_page = queries.list_queue(user=world.reviewer, limit=5)
        disputes = queries.list_queue(user=world.reviewer, reason="dispute", limit=5)

        assert [review.activity_id for review in first_page] == [late_dispute.pk] + [a.pk for a in quiet[:4]]
        assert [review.activity_id for review in disputes] == [late_dispute.pk]


class TestDailySampleByTheWorker:
    """``run_due_samples``: the worker draws each day's sample once the day is over where the portfolio works."""

    def test_draws_yesterday_once_after_one_in_the_morning_local(self, world):
        contacts_for(world, world.lina, 4)  # 31 March, Shanghai
        half_past_midnight = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 April in Shanghai
        two_in_the_morning = datetime(2026, 3, 31, 18, 0, tzinfo=UTC)  # 02:00 on 1 April

        assert sampling.run_due_samples(now=half_past_midnight) == [
            "quality sample cn-consumer 2026-03-30: 0 of 0 contacts"
        ]
        assert sampling.run_due_samples(now=two_in_the_morning) == [
            "quality sample cn-consumer 2026-03-31: 1 of 4 contacts"
        ]
        assert sampling.run_due_samples(now=two_in_the_morning) == []
        run = SampleRun.objects.get(business_date=DAY)
        assert (run.rate, run.created_by, run.drawn) == (sampling.DEFAULT_RATE, None, 1)
        assert QualityReview.objects.filter(sample_run=run).count() == 1

    def test_catches_up_the_days_missed_with_the_last_rate_up_to_a_week(self, world):
        sampling.draw_sample(
            portfolio=world.portfolio, day=date(2026, 3, 20), rate=Decimal("0.2"), actor=None, now=NOW
        )
        contacts_for(world, world.wei, 5)

        done = sampling.run_due_samples(now=datetime(2026, 3, 31, 18, 0, tzinfo=UTC))

        assert [line.split(":")[0] for line in done] == [
            f"quality sample cn-consumer 2026-03-{day}" for day in range(25, 32)
        ]
        days = SampleRun.objects.filter(business_date__gt=date(2026, 3, 20)).order_by("business_date")
        assert {run.rate for run in days} == {Decimal("0.2")}
        assert days.get(business_date=DAY).drawn == 1  # ceil(0.2 × 5)

    def test_a_portfolio_without_a_scorecard_is_left_alone(self):
        PortfolioFactory(code="us-cards", time_zone="America/New_York")

        assert sampling.run_due_samples(now=NOW) == []
        assert not SampleRun.objects.exists()
