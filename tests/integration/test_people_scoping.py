"""Which portfolios a user sees: read once per user object, forgotten when the grants change."""

import pytest

from arrears.people.scoping import granted_portfolio_ids, scope_to_user
from arrears.portfolio.models import Portfolio
from tests.factories.people import UserFactory
from tests.factories.portfolio import PortfolioFactory

pytestmark = pytest.mark.django_db


def test_the_grants_are_read_once_per_user_object(django_assert_num_queries):
    granted = PortfolioFactory()
    PortfolioFactory()
    user = UserFactory(portfolios=[granted])

    with django_assert_num_queries(1):
        assert granted_portfolio_ids(user) == {granted.pk}
        assert granted_portfolio_ids(user) == {granted.pk}


def test_a_grant_added_or_removed_on_the_user_is_seen_at_once():
    first, second = PortfolioFactory(), PortfolioFactory()
    user = UserFactory(portfolios=[first])
    assert granted_portfolio_ids(user) == {first.pk}

    user.portfolios.add(second)
    assert granted_portfolio_ids(user) == {first.pk, second.pk}

    user.portfolios.remove(first)
    assert list(scope_to_user(Portfolio.objects.order_by("pk"), user, portfolio_field="pk")) == [second]


def test_the_returned_set_is_the_caller_s_own():
    portfolio = PortfolioFactory()
    user = UserFactory(portfolios=[portfolio])

    granted_portfolio_ids(user).add(-1)  # type: ignore[union-attr]

    assert granted_portfolio_ids(user) == {portfolio.pk}
