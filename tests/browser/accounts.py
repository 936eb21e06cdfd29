"""Logging in through the login form, shared by the browser tests."""

from playwright.sync_api import Page, expect

from tests.factories.people import DEFAULT_PASSWORD

LOGIN_PATH = "/accounts/login/"


def log_in(page: Page, username: str, password: str = DEFAULT_PASSWORD) -> None:
    """Log in as ``username``, in whatever language the page is in, and wait until the login is done.

    The blank page first stops whatever the previous page still had in flight (an htmx panel
    answering late could set a CSRF cookie of its own); the wait is for the page after the form, since
    the login URL itself ends in a slash too.
    """
    page.goto("about:blank")
    page.goto(LOGIN_PATH)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.locator("#id_password").press("Enter")
    page.wait_for_url(lambda url: LOGIN_PATH not in url)
    expect(page.locator("form[action='/accounts/logout/']")).to_have_count(1)
