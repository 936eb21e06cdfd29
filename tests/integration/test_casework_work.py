"""The work queue: my items by priority, taking the next one by skill, reassigning with notifications."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from arrears.casework import guards, work
from arrears.casework.models import Notification, WorkItem, WorkItemStatus
from arrears.core.audit.models import AuditEvent
from arrears.core.errors import NotFound, PermissionDenied
from tests.factories.cases import CaseFactory, PromiseFactory
from tests.factories.people import UserFactory
from tests.factories.portfolio import DebtFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db

MORNING_IN_SHANGHAI = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)  # 10:00 local, 31 March
TODAY = date(2026, 3, 31)


@pytest.fixture
def portfolio():
    return PortfolioFactory(code="cn-consumer", country="CN", time_zone="Asia/Shanghai")


@pytest.fixture
def collector(portfolio):
    return UserFactory(username="lina", portfolios=[portfolio])


@pytest.fixture
def supervisor(portfolio):
    return UserFactory(username="boss", supervisor=True, portfolios=[portfolio])


def _item(case, *, priority, assigned_to=None, day=TODAY, kind="call", queue="early-calls", status="open"):
    return WorkItem.objects.create(
        case=case, portfolio=case.portfolio, queue=queue, kind=kind, stage=case.stage, business_date=day, priority=Decimal(priority),
        assigned_to=assigned_to, status=status, idempotency_key=f"test:{case.pk}:{priority}:{day}:{kind}",
        created_at=MORNING_IN_SHANGHAI,
    )  # fmt: skip


def _case(portfolio, *, principal="10000.00", company=False, language="zh-hans", stage="early"):
    debtor = DebtorFactory(portfolio=portfolio, company=company, language=language)
    return CaseFactory(debt=DebtFactory(debtor=debtor, principal=Decimal(principal)), stage=stage)


class TestListMyWorkItems:
    def test_lists_my_open_items_due_today_by_expected_recovery(self, portfolio, collector):
        low = _item(_case(portfolio), priority="100.00", assigned_to=collector)
        high = _item(_case(portfolio), priority="900.00", assigned_to=collector)
        _item(_case(portfolio), priority="500.00", assigned_to=collector, day=TODAY + timedelta(days=1))
        _item(_case(portfolio), priority="800.00", assigned_to=collector, status="done")
        _item(_case(portfolio), priority="700.00", assigned_to=UserFactory(portfolios=[portfolio]))

        items = list(work.list_my_work_items(user=collector, now=MORNING_IN_SHANGHAI))

        assert items == [high, low]

    def test_filters_by_queue_kind_stage_and_overdue(self, portfolio, collector):
        overdue = _item(
            _case(portfolio, stage="mid"),
            priority="100.00",
            assigned_to=collector,
            day=TODAY - timedelta(days=2),
        )
        visit = _item(
            _case(portfolio), priority="200.00", assigned_to=collector, kind="visit", queue="visits"
        )
        _item(_case(portfolio), priority="300.00", assigned_to=collector)

        def listed(**filters):
            return list(
                work.list_my_work_items(
                    user=collector, now=MORNING_IN_SHANGHAI, filters=work.QueueFilters(**filters)
                )
            )

        assert listed(overdue=True) == [overdue]
        assert listed(kind="visit") == [visit]
        assert listed(queue="visits") == [visit]
        assert listed(stage="mid") == [overdue]

    def test_counts_my_items_by_queue(self, portfolio, collector):
        _item(_case(portfolio), priority="1.00", assigned_to=collector)
        _item(_case(portfolio), priority="2.00", assigned_to=collector)
        _item(_case(portfolio), priority="3.00", assigned_to=collector, queue="visits", kind="visit")

        _item(
            _case(portfolio, stage="late"),
            priority="4.00",
            assigned_to=collector,
            queue="late",
            day=date(2026, 4, 1),
        )

        summary = work.summarize_my_queue(user=collector, now=MORNING_IN_SHANGHAI)

        assert summary.counts == [("early-calls", 2), ("visits", 1)]
        # Tomorrow's item counts for nothing today, but its queue and stage can be chosen already.
        assert summary.choices["queue"] == ["early-calls", "late", "visits"]
        assert summary.choices["kind"] == ["call", "visit"]
        assert summary.choices["stage"] == ["early", "late"]

    def test_the_business_date_is_the_portfolio_s_own(self, portfolio, collector):
        # 20:00 UTC on 31 March is already 1 April in Shanghai.
        tomorrow = _item(_case(portfolio), priority="1.00", assigned_to=collector, day=date(2026, 4, 1))

        late_evening_utc = datetime(2026, 3, 31, 20, 0, tzinfo=UTC)

        assert list(work.list_my_work_items(user=collector, now=late_evening_utc)) == [tomorrow]


class TestTakeNext:
    def test_takes_my_own_highest_priority_item_first(self, portfolio, collector):
        _item(_case(portfolio), priority="5000.00")
        mine = _item(_case(portfolio), priority="100.00", assigned_to=collector)

        assert work.take_next(user=collector, now=MORNING_IN_SHANGHAI) == mine

    def test_skips_the_case_i_am_on(self, portfolio, collector):
        current = _item(_case(portfolio), priority="900.00", assigned_to=collector)
        other = _item(_case(portfolio), priority="100.00", assigned_to=collector)

        taken = work.take_next(user=collector, now=MORNING_IN_SHANGHAI, exclude_case_id=current.case_id)

        assert taken == other

    def test_takes_the_top_unassigned_item_my_skills_fit_and_records_it(self, portfolio, collector):
        collector.skills = ["zh"]
        collector.save()
        _item(_case(portfolio, company=True), priority="9000.00")
        _item(_case(portfolio, principal="80000.00"), priority="8000.00")
        _item(_case(portfolio, language="en"), priority="7000.00")
        fitting = _item(_case(portfolio), priority="100.00")

        taken = work.take_next(user=collector, now=MORNING_IN_SHANGHAI)

        assert taken == fitting
        fitting.refresh_from_db()
        assert fitting.assigned_to == collector
        assert (
            AuditEvent.objects.filter(action="casework.take_work_item", object_id=str(fitting.pk)).count()
            == 1
        )

    def test_follows_the_skills_the_cycle_stored_on_the_item(self, portfolio, collector):
        collector.skills = ["zh"]
        collector.save()
        english = _item(_case(portfolio), priority="9000.00")
        english.needed_skills = ["en"]
        english.save()
        chinese = _item(_case(portfolio, language="en"), priority="100.00")
        chinese.needed_skills = ["zh"]
        chinese.save()

        assert work.take_next(user=collector, now=MORNING_IN_SHANGHAI) == chinese

    def test_a_collector_with_the_skills_takes_the_company_case(self, portfolio, collector):
        collector.skills = ["companies", "large_balances"]
        collector.save()
        company = _item(_case(portfolio, company=True, principal="90000.00"), priority="9000.00")

        assert work.take_next(user=collector, now=MORNING_IN_SHANGHAI) == company

    def test_returns_nothing_when_nothing_is_due(self, portfolio, collector):
        _item(_case(portfolio), priority="100.00", day=TODAY + timedelta(days=3))
        _item(_case(PortfolioFactory()), priority="100.00")

        assert work.take_next(user=collector, now=MORNING_IN_SHANGHAI) is None


class TestCloseWorkItem:
    def test_marks_the_item_done_once_and_a_second_submit_changes_nothing(self, portfolio, collector):
        item = _item(_case(portfolio), priority="1.00", assigned_to=collector, kind="task")

        work.close_work_item(
            work_item_id=item.pk, actor=collector, now=MORNING_IN_SHANGHAI, expected_revision=0
        )
        again = work.close_work_item(
            work_item_id=item.pk, actor=collector, now=MORNING_IN_SHANGHAI, expected_revision=0
        )

        assert again.status == WorkItemStatus.DONE
        assert AuditEvent.objects.filter(action="casework.close_work_item").count() == 1

    def test_refuses_a_stale_page(self, portfolio, collector):
        item = _item(_case(portfolio), priority="1.00", assigned_to=collector, kind="task")
        item.case.revision = 3
        item.case.save()

        with pytest.raises(guards.StaleCase):
            work.close_work_item(
                work_item_id=item.pk, actor=collector, now=MORNING_IN_SHANGHAI, expected_revision=2
            )

        item.refresh_from_db()
        assert item.status == WorkItemStatus.OPEN


class TestReassignCase:
    def test_moves_the_open_items_and_notifies_both_collectors(self, portfolio, collector, supervisor):
        other = UserFactory(username="wang", portfolios=[portfolio])
        case = _case(portfolio)
        item = _item(case, priority="1.00", assigned_to=collector)

        work.reassign_case(
            case_id=case.pk, to_user_id=other.pk, actor=supervisor, now=MORNING_IN_SHANGHAI,
            expected_revision=0, request_key="k1",
        )  # fmt: skip

        item.refresh_from_db()
        case.refresh_from_db()
        assert item.assigned_to == other
        assert case.revision == 1
        ref = case.debt.external_ref
        assert list(
            Notification.objects.filter(case=case).order_by("user_id").values_list("user__username", "text")
        ) == [
            ("lina", f"Case {ref} was reassigned to wang."),
            ("wang", f"Case {ref} was assigned to you."),
        ]
        assert AuditEvent.objects.filter(action="casework.reassign_case").count() == 1

    def test_a_double_submit_changes_nothing_more(self, portfolio, collector, supervisor):
        other = UserFactory(portfolios=[portfolio])
        case = _case(portfolio)
        _item(case, priority="1.00", assigned_to=collector)
        common = {"case_id": case.pk, "to_user_id": other.pk, "actor": supervisor, "now": MORNING_IN_SHANGHAI}

        work.reassign_case(expected_revision=0, request_key="k1", **common)
        work.reassign_case(expected_revision=0, request_key="k1", **common)

        assert Notification.objects.count() == 2
        assert AuditEvent.objects.filter(action="casework.reassign_case").count() == 1

    def test_refuses_a_stale_page(self, portfolio, collector, supervisor):
        other = UserFactory(portfolios=[portfolio])
        case = _case(portfolio)
        item = _item(case, priority="1.00", assigned_to=collector)
        case.revision = 4
        case.save()

        with pytest.raises(guards.StaleCase):
            work.reassign_case(
                case_id=case.pk, to_user_id=other.pk, actor=supervisor, now=MORNING_IN_SHANGHAI,
                expected_revision=3, request_key=None,
            )  # fmt: skip

        item.refresh_from_db()
        assert item.assigned_to == collector
        assert not Notification.objects.exists()

    def test_refuses_a_user_who_does_not_collect_the_portfolio(self, portfolio, collector, supervisor):
        outsider = UserFactory(portfolios=[PortfolioFactory()])
        case = _case(portfolio)
        _item(case, priority="1.00", assigned_to=collector)

        with pytest.raises(work.InvalidReassignment, match=f"User {outsider.pk} is not an active collector"):
            work.reassign_case(
                case_id=case.pk, to_user_id=outsider.pk, actor=supervisor, now=MORNING_IN_SHANGHAI,
                expected_revision=None, request_key=None,
            )  # fmt: skip

    def test_a_collector_may_not_reassign(self, portfolio, collector):
        case = _case(portfolio)

        with pytest.raises(PermissionDenied):
            work.reassign_case(
                case_id=case.pk, to_user_id=collector.pk, actor=collector, now=MORNING_IN_SHANGHAI,
                expected_revision=None, request_key=None,
            )  # fmt: skip

    def test_a_case_in_another_portfolio_is_not_found(self, collector):
        supervisor = UserFactory(supervisor=True, portfolios=[PortfolioFactory()])
        case = _case(collector.portfolios.get())

        with pytest.raises(NotFound):
            work.reassign_case(
                case_id=case.pk, to_user_id=collector.pk, actor=supervisor, now=MORNING_IN_SHANGHAI,
                expected_revision=None, request_key=None,
            )  # fmt: skip


class TestReassignWorkItems:
    def test_moves_every_open_item_of_a_collector_and_notifies_both(self, portfolio, collector, supervisor):
        other = UserFactory(username="wang", portfolios=[portfolio])
        first = _item(_case(portfolio), priority="1.00", assigned_to=collector)
        second = _item(_case(portfolio), priority="2.00", assigned_to=collector)

        moved = work.reassign_work_items(
            from_user_id=collector.pk, to_user_id=other.pk, portfolio_id=portfolio.pk, actor=supervisor,
            now=MORNING_IN_SHANGHAI, request_key="k",
        )  # fmt: skip

        assert moved == 2
        assert set(
            WorkItem.objects.filter(pk__in=[first.pk, second.pk]).values_list("assigned_to", flat=True)
        ) == {other.pk}
        assert sorted(Notification.objects.values_list("user__username", "text")) == [
            ("lina", "2 of your work items were reassigned to wang."),
            ("wang", "2 work items of lina were assigned to you."),
        ]


class TestSupervisorViews:
    def test_team_workload_counts_open_items_and_items_done_today(self, portfolio, collector, supervisor):
        _item(_case(portfolio), priority="1.00", assigned_to=collector)
        done = _item(_case(portfolio), priority="2.00", assigned_to=collector, status="done")
        done.closed_at = MORNING_IN_SHANGHAI
        done.save()
        idle = UserFactory(username="zhou", portfolios=[portfolio])

        loads = work.list_team_workload(actor=supervisor, now=MORNING_IN_SHANGHAI)

        assert [(load.user, load.open_items, load.done_today) for load in loads] == [
            (collector, 1, 1),
            (idle, 0, 0),
        ]

    def test_promises_due_today_and_broken_in_the_last_seven_days(self, portfolio, supervisor):
        due = PromiseFactory(case=_case(portfolio), made_on=date(2026, 3, 25), due_date=TODAY)
        PromiseFactory(case=_case(portfolio), made_on=date(2026, 3, 25), due_date=date(2026, 4, 2))
        broken = PromiseFactory(
            case=_case(portfolio), broken=True, due_date=date(2026, 3, 27), resolved_on=date(2026, 3, 28)
        )
        PromiseFactory(
            case=_case(portfolio), broken=True, due_date=date(2026, 3, 10), resolved_on=date(2026, 3, 11)
        )
        PromiseFactory(case=_case(PortfolioFactory()), made_on=date(2026, 3, 25), due_date=TODAY)

        assert work.list_promises_due_today(actor=supervisor, now=MORNING_IN_SHANGHAI) == [due]
        assert work.list_broken_promises(actor=supervisor, now=MORNING_IN_SHANGHAI) == [broken]

    def test_a_collector_may_not_see_the_team(self, collector):
        with pytest.raises(PermissionDenied):
            work.list_team_workload(actor=collector, now=MORNING_IN_SHANGHAI)
