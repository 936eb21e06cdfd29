"""The arrangement panel (calculate, propose), the approvals page (approve, reject) and notifications."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from arrears.casework.models import Arrangement, ArrangementStatus, Notification
from arrears.portfolio.models import LedgerEntry
from tests.factories.cases import CaseFactory
from tests.factories.people import TeamFactory, UserFactory
from tests.factories.portfolio import DebtFactory, PortfolioFactory

pytestmark = pytest.mark.django_db

MORNING_IN_SHANGHAI = datetime(2026, 4, 1, 2, 0, tzinfo=UTC)  # 10:00 on 1 April, Asia/Shanghai


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(MORNING_IN_SHANGHAI, tick=False):
        yield


@pytest.fixture
def portfolio():
    return PortfolioFactory(code="desk-plans", time_zone="Asia/Shanghai")


@pytest.fixture
def supervisor(portfolio):
    return UserFactory(
        supervisor=True, portfolios=[portfolio], max_plan_months=36, max_waiver_amount=Decimal("5000.00")
    )


@pytest.fixture
def collector(portfolio, supervisor):
    team = TeamFactory(name="Mid calls", supervisor=supervisor)
    return UserFactory(
        portfolios=[portfolio], team=team, max_plan_months=6, max_waiver_amount=Decimal("100.00")
    )


@pytest.fixture
def case(portfolio):
    """CNY 6,060.00 owed: principal 6,000.00, penalty 60.00."""
    return CaseFactory(
        debt=DebtFactory(
            debtor__portfolio=portfolio, principal=Decimal("6000.00"), charges={"penalty": Decimal("60.00")}
        )
    )


def _form(case, **values):
    data = {
        "revision": str(case.revision), "request_key": "k-" + "-".join(f"{k}{v}" for k, v in values.items()),
        "kind": "instalments", "method": "equal-principal", "amount": "", "months": "", "annual_rate": "0",
        "first_due": "", "due_date": "", "discount": "", "waived_penalty": "", "waived_interest": "", "custom": "",
        "reason": "",
    }  # fmt: skip
    data.update({key: str(value) for key, value in values.items()})
    return data


def _text(response):
    return unescape(response.content.decode())


class TestArrangementPanel:
    def test_the_case_page_include_loads_the_panel_with_htmx_or_links_to_it(self, client, collector, case):
        from django.template.loader import render_to_string

        html = render_to_string("desk/case/arrangement_panel.html", {"case": case})

        url = reverse("desk:arrangement_panel", args=[case.pk])
        assert f'hx-get="{url}"' in html
        assert f'href="{url}"' in html

    def test_the_case_page_loads_the_panel_into_place(self, client, collector, case):
        client.force_login(collector)

        response = client.get(reverse("desk:case", args=[case.pk]))

        assert f'hx-get="{reverse("desk:arrangement_panel", args=[case.pk])}"' in _text(response)

    def test_the_panel_shows_the_balance_and_the_users_authority(self, client, collector, case):
        client.force_login(collector)

        response = client.get(reverse("desk:arrangement_panel", args=[case.pk]), HTTP_HX_REQUEST="true")

        text = _text(response)
        assert response.status_code == 200
        assert "<html" not in text
        assert "Balance now: 6,060.00 CNY (penalty 60.00 CNY, interest 0.00 CNY)." in text
        assert "plans up to 6 months, waivers and discounts up to 100.00 CNY" in text

    def test_calculate_shows_the_schedule_totals_and_authority(self, client, collector, case):
        client.force_login(collector)

        response = client.post(
            reverse("desk:quote_arrangement", args=[case.pk]),
            _form(case, months=3, annual_rate="12", waived_penalty="60.00"),
            HTTP_HX_REQUEST="true",
        )

        text = _text(response)
        assert response.status_code == 200
        # 6,000.00 in three: 2,000.00 a month plus 1 % a month on 6,000, 4,000, 2,000.
        for payment in ("2,060.00 CNY", "2,040.00 CNY", "2,020.00 CNY"):
            assert payment in text
        assert 'data-testid="quote-total">6,120.00 CNY' in text
        assert 'data-testid="quote-interest">120.00 CNY' in text
        assert 'data-within="yes"' in text
        assert not Arrangement.objects.exists()

    def test_calculate_says_when_it_is_beyond_authority(self, client, collector, case):
        client.force_login(collector)

        response = client.post(reverse("desk:quote_arrangement", args=[case.pk]), _form(case, months=12))

        text = _text(response)
        assert 'data-within="no"' in text
        assert "The plan runs 12 months; the limit is 6." in text
        assert "<html" in text  # without htmx: a page of its own

    def test_a_plan_that_does_not_repay_the_balance_is_refused_in_the_form(self, client, collector, case):
        client.force_login(collector)

        response = client.post(
            reverse("desk:propose_arrangement", args=[case.pk]), _form(case, months=3, amount="5000.00")
        )

        assert response.status_code == 422
        assert "does not repay the balance 6060.00 CNY" in _text(response)
        assert not Arrangement.objects.exists()

    def test_an_htmx_refusal_answers_200_so_the_panel_with_the_error_is_swapped_in(
        self, client, collector, case
    ):
        client.force_login(collector)

        response = client.post(
            reverse("desk:quote_arrangement", args=[case.pk]),
            _form(case, months=3, amount="1.00"),
            HTTP_HX_REQUEST="true",
        )

        assert response.status_code == 200
        assert 'data-testid="arrangement-error"' in _text(response)

    def test_propose_within_authority_activates_and_reloads_the_case_page(self, client, collector, case):
        client.force_login(collector)

        response = client.post(
            reverse("desk:propose_arrangement", args=[case.pk]), _form(case, months=3), HTTP_HX_REQUEST="true"
        )

        assert response.status_code == 204
        assert response["HX-Redirect"].startswith(reverse("desk:case", args=[case.pk]))
        arrangement = Arrangement.objects.get()
        assert arrangement.status == ArrangementStatus.ACTIVE
        panel = _text(client.get(reverse("desk:arrangement_panel", args=[case.pk]), HTTP_HX_REQUEST="true"))
        assert 'data-status="active"' in panel

    def test_a_double_submit_and_a_stale_page_change_nothing(self, client, collector, case):
        client.force_login(collector)
        data = _form(case, months=3)
        client.post(reverse("desk:propose_arrangement", args=[case.pk]), data)

        again = client.post(reverse("desk:propose_arrangement", args=[case.pk]), data)
        stale = client.post(
            reverse("desk:propose_arrangement", args=[case.pk]), {**data, "request_key": "other"}
        )

        assert again.status_code == 302
        assert stale.status_code == 422
        assert "This case changed while you were looking at it" in _text(stale)
        assert Arrangement.objects.count() == 1

    def test_the_calculation_renders_in_chinese(self, client, collector, case):
        client.force_login(collector)
        client.cookies["django_language"] = "zh-hans"

        response = client.post(
            reverse("desk:quote_arrangement", args=[case.pk]),
            _form(case, months=3),
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )

        text = _text(response)
        assert response.status_code == 200
        assert 'lang="zh-hans"' in text
        assert "<th>到期日</th>" in text
        assert "2,020.00 CNY" in text

    def test_a_case_of_another_portfolio_is_not_found(self, client, case):
        client.force_login(UserFactory(portfolios=[PortfolioFactory()]))

        response = client.get(reverse("desk:arrangement_panel", args=[case.pk]))

        assert response.status_code == 404


class TestApprovalsPage:
    @pytest.fixture
    def pending(self, client, collector, case):
        client.force_login(collector)
        client.post(
            reverse("desk:propose_arrangement", args=[case.pk]),
            _form(case, kind="settlement", method="", discount="300.00", due_date="2026-04-20"),
        )
        client.logout()
        return Arrangement.objects.get(status=ArrangementStatus.PENDING_APPROVAL)

    def test_lists_the_pending_arrangement_and_why(self, client, supervisor, pending):
        client.force_login(supervisor)

        response = client.get(reverse("desk:approvals"))

        text = _text(response)
        assert f'data-testid="pending-{pending.pk}"' in text
        assert "It forgives 300.00 CNY (waivers and discount); the limit is 100.00 CNY." in text
        assert "1 unread notification" in text

    def test_approve_posts_the_discount_and_notifies_the_collector(
        self, client, supervisor, collector, pending
    ):
        client.force_login(supervisor)

        response = client.post(
            reverse("desk:approve_arrangement", args=[pending.pk]),
            {"revision": "1", "request_key": "approve-1", "comment": ""},
        )

        assert response.status_code == 302
        pending.refresh_from_db()
        assert pending.status == ArrangementStatus.ACTIVE
        assert LedgerEntry.objects.filter(kind="waiver").count() == 2  # penalty 60.00, then principal 240.00
        assert Notification.objects.filter(user=collector, text__contains="approved").exists()

    def test_reject_without_a_comment_is_refused_on_the_page(self, client, supervisor, pending):
        client.force_login(supervisor)

        response = client.post(
            reverse("desk:reject_arrangement", args=[pending.pk]),
            {"revision": "1", "request_key": "r", "comment": ""},
        )

        assert response.status_code == 422
        assert "Say why the arrangement is rejected." in _text(response)
        pending.refresh_from_db()
        assert pending.status == ArrangementStatus.PENDING_APPROVAL

    def test_reject_with_a_comment_tells_the_collector(self, client, supervisor, collector, pending):
        client.force_login(supervisor)

        client.post(
            reverse("desk:reject_arrangement", args=[pending.pk]),
            {"revision": "1", "request_key": "r", "comment": "Ask for 5,900"},
        )

        pending.refresh_from_db()
        assert pending.status == ArrangementStatus.REJECTED
        client.force_login(collector)
        notes = _text(client.get(reverse("desk:notifications")))
        assert "Ask for 5,900" in notes

    def test_another_portfolios_supervisor_gets_404(self, client, pending):
        client.force_login(
            UserFactory(supervisor=True, portfolios=[PortfolioFactory()], max_waiver_amount=9999)
        )

        response = client.post(
            reverse("desk:approve_arrangement", args=[pending.pk]), {"revision": "1", "request_key": "x"}
        )

        assert response.status_code == 404
        assert f"pending-{pending.pk}" not in _text(client.get(reverse("desk:approvals")))

    def test_a_collector_may_not_see_the_approvals(self, client, collector):
        client.force_login(collector)

        assert client.get(reverse("desk:approvals")).status_code == 403

    def test_the_approvals_page_renders_in_chinese(self, client, supervisor, pending):
        client.force_login(supervisor)
        client.cookies["django_language"] = "zh-hans"

        response = client.get(reverse("desk:approvals"), HTTP_ACCEPT_LANGUAGE="zh-hans")

        assert response.status_code == 200
        assert "<th>到期日</th>" in _text(response)


class TestNotifications:
    def test_mark_one_read(self, client, collector, case):
        note = Notification.objects.create(
            user=collector, case=case, text="Hello", created_at=MORNING_IN_SHANGHAI
        )
        client.force_login(collector)

        client.post(reverse("desk:mark_notifications_read"), {"notification": str(note.pk)})

        note.refresh_from_db()
        assert note.read_at == MORNING_IN_SHANGHAI
