"""Log in and out, switch language, and the localized error pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import DebtFactory, PortfolioFactory, UserFactory
from tests.factories.people import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def collector():
    return UserFactory(collector=True, username="lina", portfolios=[PortfolioFactory(name="Bank A cards")])


def switch_to_chinese(client):
    return client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("desk:home")})


class TestLogin:
    def test_logs_in_and_lands_on_the_portfolios(self, client, collector):
        response = client.post(
            reverse("login"), {"username": "lina", "password": DEFAULT_PASSWORD}, follow=True
        )

        assert response.redirect_chain[-1] == (reverse("desk:home"), 302)
        assert "Bank A cards" in response.content.decode()

    def test_refuses_a_wrong_password_with_a_message(self, client, collector):
        response = client.post(reverse("login"), {"username": "lina", "password": "wrong-password"})

        assert response.status_code == 200
        assert "Please enter a correct username and password." in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_logs_out_with_a_post(self, client, collector):
        client.force_login(collector)

        response = client.post(reverse("logout"))

        assert response.status_code == 302
        assert response["Location"] == reverse("login")
        assert "_auth_user_id" not in client.session


class TestLanguageSwitch:
    def test_renders_the_pages_in_chinese_after_switching(self, client, collector):
        client.force_login(collector)

        response = switch_to_chinese(client)
        page = client.get(reverse("desk:home")).content.decode()

        assert response.status_code == 302
        assert '<html lang="zh-hans">' in page
        assert "我的资产包" in page
        assert "未偿余额" in page
        assert "退出登录" in page

    def test_renders_the_debt_page_in_chinese_with_localized_labels(self, client, collector):
        debt = DebtFactory(debtor__portfolio=collector.portfolios.get())
        client.force_login(collector)
        switch_to_chinese(client)

        page = client.get(reverse("desk:debt", args=[debt.pk])).content.decode()

        assert "逾期天数" in page
        assert "账龄段" in page
        assert "消费贷款" in page
        assert "10,000.00 CNY" in page
        assert "2026年3月1日" in page


class TestErrorPages:
    def test_the_404_page_is_localized_and_shows_no_details(self, client, collector):
        client.force_login(collector)
        switch_to_chinese(client)

        response = client.get("/no-such-page/")

        body = response.content.decode()
        assert response.status_code == 404
        assert "页面不存在" in body
        assert "Traceback" not in body

    def test_the_403_page_is_localized(self, client, collector):
        debt = DebtFactory(debtor__portfolio=collector.portfolios.get())
        client.force_login(collector)
        switch_to_chinese(client)

        response = client.post(reverse("desk:verify_debt", args=[debt.pk]))

        assert response.status_code == 403
        assert "无权访问" in response.content.decode()

    def test_the_500_page_is_localized_and_standalone(self, client):
        from django.template.loader import render_to_string
        from django.utils import translation

        with translation.override("zh-hans"):
            body = render_to_string("500.html")

        assert "系统出错了" in body
