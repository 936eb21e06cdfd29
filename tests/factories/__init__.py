"""factory-boy factories shared by the test suite; names are stable, other tests import them."""

from tests.factories.people import TeamFactory, UserFactory
from tests.factories.portfolio import (
    ContactPersonFactory,
    ContactPointFactory,
    DebtFactory,
    DebtorChangeFactory,
    DebtorFactory,
    InstalmentFactory,
    LedgerEntryFactory,
    PortfolioFactory,
)

__all__ = [
    "ContactPersonFactory",
    "ContactPointFactory",
    "DebtFactory",
    "DebtorChangeFactory",
    "DebtorFactory",
    "InstalmentFactory",
    "LedgerEntryFactory",
    "PortfolioFactory",
    "TeamFactory",
    "UserFactory",
]
