"""Load the demo: portfolios, debts and payments through the import, the extras in bulk, the users.

Running it again with the same seed and as-of date changes nothing: the import is idempotent on
references, the extras are added only where missing, and existing users are left as they are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError
from arrears.core.zones import zones_for_phone
from arrears.portfolio import contact_values, imports
from arrears.portfolio.choices import ContactKind, ContactSource
from arrears.portfolio.models import ContactPerson, ContactPoint, Debt, Debtor, DebtorChange, Payment, Portfolio
from arrears.usecases.demo.generate import DemoData, PortfolioData, PortfolioSpec, generate_demo
from arrears.usecases.demo.users import DemoUser, ensure_demo_users

BATCH = 2000


class DemoUsersRefused(DomainError):
    """Demo users have public passwords and are only created in development mode."""


class DemoDataRejected(DomainError):
    """The import refused generated rows: a bug in the generator or the import."""


@dataclass(frozen=True, slots=True)
class PortfolioCounts:
    """What one demo portfolio holds after the run, and what the run changed."""

    code: str
    debtors: int
    debts: int
    payments: int
    contact_persons: int
    hardship_cases: int
    debts_inserted: int
    payments_inserted: int


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """The outcome of a demo run."""

    seed: int
    as_of: date
    portfolios: list[PortfolioCounts]
    users: list[DemoUser]


@transaction.atomic(durable=True)
def load_demo(*, seed: int, debtors: int, as_of: date, with_users: bool, now: datetime) -> DemoSummary:
    """Generate the demo portfolios and load them, with the demo users unless ``with_users`` is false.

    Writes the import's own audit events, one per user created, and one ``demo.load_demo`` event.

    :raises DemoUsersRefused: when users are asked for outside development mode (``ARREARS_DEV``).
    :raises DemoDataRejected: when the import refuses a generated row.
    """
    if with_users and not settings.DEV_MODE:
        raise DemoUsersRefused(
            _("Demo users have published passwords: set ARREARS_DEV=1 or run the demo with --no-users.")
        )
    data = generate_demo(seed=seed, debtors=debtors, as_of=as_of)
    portfolios = {part.spec.code: _ensure_portfolio(part.spec, now=now) for part in data.portfolios}
    counts = [_load_portfolio(portfolios[part.spec.code], part, now=now) for part in data.portfolios]
    users = ensure_demo_users(portfolios=portfolios, now=now) if with_users else []
    _record_run(data, counts, users, now=now)
    return DemoSummary(seed=seed, as_of=as_of, portfolios=counts, users=users)


def _ensure_portfolio(spec: PortfolioSpec, *, now: datetime) -> Portfolio:
    portfolio, _ = Portfolio.objects.get_or_create(
        code=spec.code,
        defaults={
            "name": spec.name,
            "creditor_name": spec.creditor_name,
            "country": spec.country,
            "default_currency": spec.currency,
            "time_zone": spec.time_zone,
            "created_at": now,
        },
    )
    return portfolio


def _load_portfolio(portfolio: Portfolio, part: PortfolioData, *, now: datetime) -> PortfolioCounts:
    debts = imports.import_debts(
        portfolio=portfolio, source=part.debts, file_name=f"demo-{part.spec.code}-debts", strict=True,
        actor=None, now=now,
    )  # fmt: skip
    _refuse_rejections(debts, part.spec.code)
    payments = imports.import_payments(
        portfolio=portfolio, source=part.payments, file_name=f"demo-{part.spec.code}-payments", strict=True,
        actor=None, now=now,
    )  # fmt: skip
    _refuse_rejections(payments, part.spec.code)
    debtor_ids = dict(Debtor.objects.filter(portfolio=portfolio).values_list("external_ref", "id"))
    _add_contact_persons(portfolio, part.contact_persons, debtor_ids, now=now)
    _add_hardship(part.changes, debtor_ids, now=now)
    return PortfolioCounts(
        code=portfolio.code,
        debtors=len(debtor_ids),
        debts=Debt.objects.filter(portfolio=portfolio).count(),
        payments=Payment.objects.filter(portfolio=portfolio).count(),
        contact_persons=ContactPerson.objects.filter(debtor__portfolio=portfolio).count(),
        hardship_cases=DebtorChange.objects.filter(debtor__portfolio=portfolio).values("debtor").distinct().count(),
        debts_inserted=debts.inserted,
        payments_inserted=payments.inserted,
    )


def _refuse_rejections(result: imports.ImportResult, code: str) -> None:
    if result.rejected:
        first = result.rejected[0]
        raise DemoDataRejected(
            _("The import refused %(count)d demo rows in %(portfolio)s; first: row %(row)d, %(column)s: %(message)s")
            % {"count": len(result.rejected), "portfolio": code, "row": first.row, "column": first.column,
               "message": first.message}  # fmt: skip
        )


def _add_contact_persons(
    portfolio: Portfolio, frame: pl.DataFrame, debtor_ids: dict[str, int], *, now: datetime
) -> None:
    """Create the contact persons of debtors that have none yet, with their phone and e-mail."""
    known = set(ContactPerson.objects.filter(debtor__portfolio=portfolio).values_list("debtor_id", flat=True))
    rows = [row for row in frame.iter_rows(named=True) if debtor_ids[row["debtor_ref"]] not in known]
    people = ContactPerson.objects.bulk_create(
        [
            ContactPerson(debtor_id=debtor_ids[row["debtor_ref"]], name=row["name"], role=row["role"], title=row["title"])
            for row in rows
        ],
        batch_size=BATCH,
    )
    points = [
        point
        for person, row in zip(people, rows, strict=True)
        for point in _contact_points(person, row, country=portfolio.country, now=now)
    ]
    ContactPoint.objects.bulk_create(points, batch_size=BATCH, ignore_conflicts=True)


def _contact_points(person: ContactPerson, row: dict[str, str], *, country: str, now: datetime) -> list[ContactPoint]:
    phone = contact_values.normalize_phone(row["phone"], country)
    email = contact_values.normalize_email(row["email"])
    common = {"debtor_id": person.debtor_id, "contact_person": person, "source": ContactSource.IMPORT, "created_at": now}
    return [
        ContactPoint(kind=ContactKind.PHONE, value=phone, value_hash=contact_values.lookup_hash_for("phone", phone),
                     region=country, time_zones=zones_for_phone(phone), **common),
        ContactPoint(kind=ContactKind.EMAIL, value=email, value_hash=contact_values.lookup_hash_for("email", email),
                     **common),
    ]  # fmt: skip


def _add_hardship(frame: pl.DataFrame, debtor_ids: dict[str, int], *, now: datetime) -> None:
    """Record each hardship story once, and the debtor's financial situation it leaves them in."""
    ids = [debtor_ids[ref] for ref in frame["debtor_ref"]]
    known = set(
        DebtorChange.objects.filter(debtor_id__in=ids).values_list("debtor_id", "category", "description")
    )
    changes, situations = [], defaultdict(list)
    for debtor_id, row in zip(ids, frame.iter_rows(named=True), strict=True):
        situations[row["financial_situation"]].append(debtor_id)
        if (debtor_id, row["category"], row["description"]) not in known:
            changes.append(DebtorChange(
                debtor_id=debtor_id, category=row["category"], description=row["description"],
                occurred_date=date.fromisoformat(row["occurred_date"]), recorded_at=now,
            ))  # fmt: skip
    DebtorChange.objects.bulk_create(changes, batch_size=BATCH)
    for situation, debtor_group in situations.items():
        for start in range(0, len(debtor_group), BATCH):
            Debtor.objects.filter(pk__in=debtor_group[start : start + BATCH]).exclude(
                financial_situation=situation
            ).update(financial_situation=situation, updated_at=now)


def _record_run(data: DemoData, counts: list[PortfolioCounts], users: list[DemoUser], *, now: datetime) -> None:
    record_event(
        actor=None,
        action="demo.load_demo",
        target=("demo", data.seed),
        now=now,
        reason="demo",
        after={
            "seed": data.seed,
            "as_of": data.as_of.isoformat(),
            "portfolios": {
                item.code: {"debts_inserted": item.debts_inserted, "payments_inserted": item.payments_inserted}
                for item in counts
            },
            "users_created": [user.login.username for user in users if user.created],
        },
    )
