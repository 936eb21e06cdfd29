"""Promises to pay from the desk: the policy's edges, one open promise, double submits and stale pages."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings

from arrears.casework import guards, promises
from arrears.casework.models import Case, Promise, PromiseStatus
from arrears.core.audit.models import AuditEvent
from tests.factories.cases import CaseFactory, PromiseFactory
from tests.factories.people import UserFactory

pytestmark = pytest.mark.django_db

# The conftest's `now` is 20:59:59 UTC on 31 March: already 1 April in Shanghai, the portfolio's zone.
TODAY = date(2026, 4, 1)


@pytest.fixture
def case():
    return CaseFactory(debt__charges={"penalty": Decimal("234.50")})  # balance CNY 10,234.50


@pytest.fixture
def collector(case):
    return UserFactory(portfolios=[case.portfolio])


def _promise(case, collector, now, *, amount="2000.00", due_date=TODAY, revision=None, key=None):
    return promises.make_promise(
        case_id=case.pk, amount=Decimal(amount), due_date=due_date, actor=collector, now=now,
        expected_revision=case.revision if revision is None else revision, request_key=key,
    )  # fmt: skip


class TestMakePromise:
    def test_records_a_promise_due_today_in_the_portfolios_zone_and_bumps_the_revision(
        self, case, collector, now
    ):
        promise = _promise(case, collector, now)

        assert (promise.amount, promise.currency, promise.made_on, promise.due_date) == (
            Decimal("2000.00"), "CNY", TODAY, TODAY,
        )  # fmt: skip
        assert promise.status == PromiseStatus.OPEN and promise.made_by == collector
        assert Case.objects.get(pk=case.pk).revision == case.revision + 1
        event = AuditEvent.objects.get(action="casework.make_promise")
        assert event.after["amount"] == "2000.00" and event.after["due_date"] == "2026-04-01"

    def test_accepts_the_last_day_the_policy_allows(self, case, collector, now):
        promise = _promise(case, collector, now, due_date=TODAY + timedelta(days=30))

        assert promise.due_date == date(2026, 5, 1)

    def test_refuses_a_day_beyond_the_policy_naming_the_limit(self, case, collector, now):
        with pytest.raises(
            promises.InvalidPromise, match=r"Date: a promise may be at most 30 days ahead \(by 2026-05-01\)"
        ):
            _promise(case, collector, now, due_date=TODAY + timedelta(days=31))

        assert not Promise.objects.exists()
        assert Case.objects.get(pk=case.pk).revision == case.revision

    def test_refuses_yesterday_in_the_portfolios_zone(self, case, collector, now):
        with pytest.raises(promises.InvalidPromise, match="Date: 2026-03-31 is in the past"):
            _promise(case, collector, now, due_date=date(2026, 3, 31))

        assert not Promise.objects.exists()

    def test_refuses_less_than_ten_percent_of_the_balance_naming_the_minimum(self, case, collector, now):
        with pytest.raises(promises.InvalidPromise, match=r"at least 1023.45 CNY \(10% of the balance\)"):
            _promise(case, collector, now, amount="1023.44")

        assert not Promise.objects.exists()

    def test_accepts_exactly_the_minimum(self, case, collector, now):
        assert _promise(case, collector, now, amount="1023.45").amount == Decimal("1023.45")

    def test_refuses_more_than_the_balance(self, case, collector, now):
        with pytest.raises(promises.InvalidPromise, match=r"more than the balance of 10234\.50"):
            _promise(case, collector, now, amount="10234.51")

    def test_refuses_a_third_decimal(self, case, collector, now):
        with pytest.raises(promises.InvalidPromise, match="positive amount in CNY"):
            _promise(case, collector, now, amount="2000.001")

    @override_settings(
        ARREARS_PROMISE_MAX_DAYS=30, ARREARS_PROMISE_POLICIES={"tight": {"max_days": 7, "min_percent": 50}}
    )
    def test_takes_a_portfolios_own_policy_from_the_settings(self, collector, now):
        case = CaseFactory(debt__debtor__portfolio__code="tight")

        with pytest.raises(promises.InvalidPromise, match="at most 7 days ahead"):
            _promise(case, collector, now, amount="5000.00", due_date=TODAY + timedelta(days=8))
        with pytest.raises(promises.InvalidPromise, match=r"at least 5000.00 CNY \(50% of the balance\)"):
            _promise(case, collector, now, amount="4999.99", due_date=TODAY + timedelta(days=7))

    def test_the_minimum_is_the_whole_balance_when_that_is_smaller(self):
        policy = promises.PromisePolicy(max_days=30, min_percent=Decimal("150"))

        assert policy.minimum(Decimal("80.00")) == Decimal("80.00")
        assert promises.PromisePolicy(30, Decimal("10")).minimum(Decimal("10.01")) == Decimal("1.01")

    def test_refuses_a_second_open_promise(self, case, collector, now):
        _promise(case, collector, now)
        case.refresh_from_db()

        with pytest.raises(promises.InvalidPromise, match="already has an open promise"):
            _promise(case, collector, now, amount="3000.00")

        assert Promise.objects.count() == 1

    def test_a_double_submit_returns_the_first_promise(self, case, collector, now):
        first = _promise(case, collector, now, key="k-1")

        again = _promise(case, collector, now, key="k-1")  # the same page: its revision is now stale

        assert again.pk == first.pk
        assert Promise.objects.count() == 1
        assert AuditEvent.objects.filter(action="casework.make_promise").count() == 1

    def test_refuses_a_stale_page_and_records_nothing(self, case, collector, now):
        Case.objects.filter(pk=case.pk).update(revision=case.revision + 1)

        with pytest.raises(guards.StaleCase, match="changed while you were looking"):
            _promise(case, collector, now, revision=case.revision)

        assert not Promise.objects.exists()


class TestCancelPromise:
    def test_cancels_an_open_promise(self, case, collector, now):
        promise = _promise(case, collector, now)
        case.refresh_from_db()

        cancelled = promises.cancel_promise(
            promise_id=promise.pk, actor=collector, now=now, expected_revision=case.revision, request_key="c-1",
            reason="Taken by mistake",
        )  # fmt: skip

        assert (cancelled.status, cancelled.resolved_on) == (PromiseStatus.CANCELLED, TODAY)
        assert AuditEvent.objects.get(action="casework.cancel_promise").reason == "Taken by mistake"
        assert promises.cancel_promise(
            promise_id=promise.pk, actor=collector, now=now, expected_revision=case.revision, request_key="c-1"
        ).status == PromiseStatus.CANCELLED  # fmt: skip
        assert AuditEvent.objects.filter(action="casework.cancel_promise").count() == 1

    def test_refuses_a_kept_promise(self, case, collector, now):
        promise = PromiseFactory(case=case, kept=True)

        with pytest.raises(promises.PromiseNotOpen, match="already kept"):
            promises.cancel_promise(
                promise_id=promise.pk, actor=collector, now=now, expected_revision=None, request_key=None
            )

        assert Promise.objects.get(pk=promise.pk).status == PromiseStatus.KEPT
