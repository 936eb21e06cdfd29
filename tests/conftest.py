from datetime import UTC, datetime

import pytest


@pytest.fixture
def now():
    """A fixed, awkward moment: 20:59:59 UTC on the last day of March."""
    return datetime(2026, 3, 31, 20, 59, 59, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english_by_default():
    """Start every test in English: a request in Chinese leaves its language active in the thread."""
    from django.utils import translation

    with translation.override("en"):
        yield
