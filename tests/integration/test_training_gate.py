"""The certification gate on live work: the cycle's assignment, "next case" and reassignment."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from arrears.casework.models import WorkItem
from arrears.core.audit.models import AuditEvent
from arrears.training import certification
from arrears.training.models import Certification, QuizAttempt, TrainingPolicy
from arrears.usecases import work_gate
from arrears.usecases.cycle.assign import assign_run
from tests.factories.cases import CaseFactory
from tests.factories.people import UserFactory
from tests.factories.portfolio import DebtFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db

MORNING_IN_SHANGHAI = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)
TODAY = date(2026, 3, 31)


@pytest.fixture
def portfolio():
    return PortfolioFactory(code="cn-consumer", country="CN", time_zone="Asia/Shanghai")


@pytest.fixture
def gated(portfolio):
    TrainingPolicy.objects.create(
        portfolio=portfolio, certification_required=True, updated_at=MORNING_IN_SHANGHAI
    )
    return portfolio


def _item(portfolio, *, priority="500.00", assigned_to=None):
    case = CaseFactory(
        debt=DebtFactory(debtor=DebtorFactory(portfolio=portfolio), principal=Decimal("1000.00"))
    )
    return WorkItem.objects.create(
        case=case, portfolio=portfolio, queue="early-calls", kind="call", stage=case.stage, business_date=TODAY,
        priority=Decimal(priority), assigned_to=assigned_to, status="open", needed_skills=[],
        idempotency_key=f"gate:{case.pk}", created_at=MORNING_IN_SHANGHAI,
    )  # fmt: skip


def certify(user, *, valid_until=None, revoked=False):
    from arrears.training import content

    content.install_defaults(actor=None, now=MORNING_IN_SHANGHAI)
    material, _quiz = content.active_quiz()
    attempt = QuizAttempt.objects.create(
        user=user, quiz=material, answers={}, correct=13, total=13, percent=100, passed=True,
        submitted_at=MORNING_IN_SHANGHAI,
    )  # fmt: skip
    return Certification.objects.create(
        user=user, attempt=attempt, granted_at=MORNING_IN_SHANGHAI, valid_until=valid_until,
        revoked_at=MORNING_IN_SHANGHAI if revoked else None,
    )  # fmt: skip


class TestAssignRun:
    def test_gives_items_only_to_certified_collectors_when_the_portfolio_requires_it(self, gated):
        certified = UserFactory(username="certified", portfolios=[gated])
        UserFactory(username="novice", portfolios=[gated])
        certify(certified)
        items = [_item(gated, priority=str(900 - n)) for n in range(3)]

        assigned = assign_run(portfolio=gated, business_date=TODAY)

        assert assigned == 3
        assert {item.assigned_to_id for item in WorkItem.objects.filter(pk__in=[i.pk for i in items])} == {
            certified.pk
        }

    def test_leaves_items_unassigned_when_nobody_is_certified(self, gated):
        UserFactory(username="novice", portfolios=[gated])
        item = _item(gated)

        assert assign_run(portfolio=gated, business_date=TODAY) == 0

        item.refresh_from_db()
        assert item.assigned_to_id is None

    def test_an_expired_or_revoked_certification_does_not_count(self, gated):
        lapsed = UserFactory(username="lapsed", portfolios=[gated])
        revoked = UserFactory(username="revoked", portfolios=[gated])
        certify(lapsed, valid_until=TODAY - timedelta(days=1))
        certify(revoked, revoked=True)
        _item(gated)

        assert assign_run(portfolio=gated, business_date=TODAY) == 0

    def test_a_portfolio_without_the_rule_gives_work_to_every_collector(self, portfolio):
        novice = UserFactory(username="novice", portfolios=[portfolio])
        item = _item(portfolio)

        assert assign_run(portfolio=portfolio, business_date=TODAY) == 1

        item.refresh_from_db()
        assert item.assigned_to_id == novice.pk


class TestTakeNext:
    def test_an_uncertified_collector_gets_nothing_from_a_gated_portfolio(self, gated):
        novice = UserFactory(username="novice", portfolios=[gated])
        _item(gated)
        _item(gated, assigned_to=novice)

        assert work_gate.take_next(user=novice, now=MORNING_IN_SHANGHAI) is None

        assert not AuditEvent.objects.filter(action="casework.take_work_item").exists()

    def test_the_uncertified_collector_still_works_an_ungated_portfolio(self, gated, portfolio):
        other = PortfolioFactory(code="cn-sme", country="CN", time_zone="Asia/Shanghai")
        novice = UserFactory(username="novice", portfolios=[gated, other])
        _item(gated, priority="900.00")
        open_item = _item(other, priority="100.00")

        taken = work_gate.take_next(user=novice, now=MORNING_IN_SHANGHAI)

        assert taken.pk == open_item.pk

    def test_a_certified_collector_takes_the_best_item(self, gated):
        certified = UserFactory(username="certified", portfolios=[gated])
        certify(certified)
        best = _item(gated, priority="900.00")
        _item(gated, priority="100.00")

        taken = work_gate.take_next(user=certified, now=MORNING_IN_SHANGHAI)

        assert taken.pk == best.pk
        assert WorkItem.objects.get(pk=best.pk).assigned_to_id == certified.pk


class TestReassign:
    def test_refuses_a_case_to_an_uncertified_collector_and_moves_nothing(self, gated):
        supervisor = UserFactory(username="boss", supervisor=True, portfolios=[gated])
        holder = UserFactory(username="holder", portfolios=[gated])
        novice = UserFactory(username="novice", portfolios=[gated])
        item = _item(gated, assigned_to=holder)

        with pytest.raises(certification.NotCertified, match="novice is not certified"):
            work_gate.reassign_case(
                case_id=item.case_id, to_user_id=novice.pk, actor=supervisor, now=MORNING_IN_SHANGHAI,
                expected_revision=None,
            )  # fmt: skip

        assert WorkItem.objects.get(pk=item.pk).assigned_to_id == holder.pk

    def test_refuses_moving_a_collectors_items_to_an_uncertified_one(self, gated):
        supervisor = UserFactory(username="boss", supervisor=True, portfolios=[gated])
        holder = UserFactory(username="holder", portfolios=[gated])
        novice = UserFactory(username="novice", portfolios=[gated])
        item = _item(gated, assigned_to=holder)

        with pytest.raises(certification.NotCertified):
            work_gate.reassign_work_items(
                from_user_id=holder.pk, to_user_id=novice.pk, portfolio_id=gated.pk, actor=supervisor,
                now=MORNING_IN_SHANGHAI,
            )  # fmt: skip

        assert WorkItem.objects.get(pk=item.pk).assigned_to_id == holder.pk

    def test_reassigns_to_a_certified_collector(self, gated):
        supervisor = UserFactory(username="boss", supervisor=True, portfolios=[gated])
        holder = UserFactory(username="holder", portfolios=[gated])
        certified = UserFactory(username="certified", portfolios=[gated])
        certify(certified)
        item = _item(gated, assigned_to=holder)

        work_gate.reassign_case(
            case_id=item.case_id, to_user_id=certified.pk, actor=supervisor, now=MORNING_IN_SHANGHAI,
            expected_revision=None,
        )  # fmt: skip

        assert WorkItem.objects.get(pk=item.pk).assigned_to_id == certified.pk


class TestDeskNextCase:
    def test_next_case_on_the_desk_skips_the_gated_portfolio(self, client, gated):
        novice = UserFactory(username="novice", portfolios=[gated])
        _item(gated)
        client.force_login(novice)

        response = client.post("/queue/next/", follow=True)

        assert "Nothing more is due in your queue today." in response.content.decode()


class TestQueueList:
    """The queue page and the API's list leave a gated portfolio's items out until the collector is certified."""

    def test_the_queue_page_holds_the_items_back_and_says_why(self, client, gated):
        open_portfolio = PortfolioFactory(code="cn-sme", country="CN", time_zone="Asia/Shanghai")
        novice = UserFactory(username="novice", portfolios=[gated, open_portfolio])
        held = _item(gated, assigned_to=novice)
        workable = _item(open_portfolio, assigned_to=novice)
        client.force_login(novice)

        with time_machine.travel(MORNING_IN_SHANGHAI, tick=False):
            page = client.get("/queue/").content.decode()

        assert f'data-testid="work-item-{workable.pk}"' in page
        assert f'data-testid="work-item-{held.pk}"' not in page
        assert "1 item due today waits for your certification" in page
        assert 'data-testid="count-early-calls">early-calls <span class="badge">1</span>' in page

    def test_a_certified_collector_sees_them(self, client, gated):
        collector = UserFactory(username="certified", portfolios=[gated])
        item = _item(gated, assigned_to=collector)
        certify(collector)
        client.force_login(collector)

        with time_machine.travel(MORNING_IN_SHANGHAI, tick=False):
            page = client.get("/queue/").content.decode()

        assert f'data-testid="work-item-{item.pk}"' in page
        assert "waits for your certification" not in page

    def test_the_api_list_leaves_them_out(self, client, gated):
        novice = UserFactory(username="novice", portfolios=[gated])
        _item(gated, assigned_to=novice)
        client.force_login(novice)

        with time_machine.travel(MORNING_IN_SHANGHAI, tick=False):
            response = client.get("/api/v1/work-items")

        assert response.status_code == 200
        assert response.json() == []

    def test_the_page_in_chinese(self, client, gated):
        novice = UserFactory(username="novice", portfolios=[gated])
        _item(gated, assigned_to=novice)
        client.force_login(novice)

        with time_machine.travel(MORNING_IN_SHANGHAI, tick=False):
            page = client.get("/queue/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

        assert "等待您的认证" in page
