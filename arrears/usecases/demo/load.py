"""Load the demo: portfolios, debts and payments through the import, the extras in bulk, the users.

Running it again with the same seed and as-of date changes nothing: the import is idempotent on
references, the extras are added only where missing, and existing users are left as they are.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from phonenumbers.tzdata import TIMEZONE_LONGEST_PREFIX

from arrears.core import crypto
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError
from arrears.core.zones import zones_for_phone
from arrears.portfolio import imports
from arrears.portfolio.choices import ContactKind, ContactSource
from arrears.portfolio.imports import database
from arrears.portfolio.models import (
    ContactPerson,
    ContactPoint,
    Debt,
    Debtor,
    DebtorChange,
    Payment,
    Portfolio,
)
from arrears.usecases.demo.casework import add_casework
from arrears.usecases.demo.compliance import add_compliance
from arrears.usecases.demo.generate import (
    PORTFOLIOS,
    PortfolioData,
    PortfolioSpec,
    generate_demo,
    generate_in_background,
)
from arrears.usecases.demo.messages import add_messages
from arrears.usecases.demo.portal import add_portal_links
from arrears.usecases.demo.quality import add_quality
from arrears.usecases.demo.recovery import add_recovery
from arrears.usecases.demo.reporting import add_reporting_history
from arrears.usecases.demo.training import add_training
from arrears.usecases.demo.users import DemoUser, ensure_demo_users

BATCH = 2000
KEY = ("debtor_id", "kind", "value_hash")
BACKGROUND_FROM = 20_000  # debtors; below this, starting a worker process costs more than it saves
PORTFOLIO_CODES = [spec.code for spec in PORTFOLIOS]


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
    counts = [_load_portfolio(part, now=now) for part in _generated(seed=seed, debtors=debtors, as_of=as_of)]
    counts.sort(key=lambda item: PORTFOLIO_CODES.index(item.code))
    portfolios = {
        portfolio.code: portfolio for portfolio in Portfolio.objects.filter(code__in=PORTFOLIO_CODES)
    }
    users = ensure_demo_users(portfolios=portfolios, now=now) if with_users else []
    add_messages(list(portfolios.values()), now=now)
    add_casework(list(portfolios.values()), seed=seed, as_of=as_of, now=now)
    add_portal_links(list(portfolios.values()), now=now)
    add_recovery(list(portfolios.values()), seed=seed, as_of=as_of, now=now)
    add_training(list(portfolios.values()), seed=seed, as_of=as_of, now=now)
    add_quality(list(portfolios.values()), seed=seed, as_of=as_of, now=now)
    add_reporting_history(list(portfolios.values()), seed=seed, as_of=as_of, now=now)
    _record_run(seed, as_of, counts, users, now=now)
    return DemoSummary(seed=seed, as_of=as_of, portfolios=counts, users=users)


def _generated(*, seed: int, debtors: int, as_of: date) -> Iterable[PortfolioData]:
    if debtors >= BACKGROUND_FROM:
        return generate_in_background(seed=seed, debtors=debtors, as_of=as_of)
    return generate_demo(seed=seed, debtors=debtors, as_of=as_of).portfolios


def _ensure_portfolio(spec: PortfolioSpec, *, now: datetime) -> Portfolio:
    portfolio, _created = Portfolio.objects.get_or_create(
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


def _load_portfolio(part: PortfolioData, *, now: datetime) -> PortfolioCounts:
    portfolio = _ensure_portfolio(part.spec, now=now)
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
    add_compliance(portfolio, now=now)
    return PortfolioCounts(
        code=portfolio.code,
        debtors=len(debtor_ids),
        debts=Debt.objects.filter(portfolio=portfolio).count(),
        payments=Payment.objects.filter(portfolio=portfolio).count(),
        contact_persons=ContactPerson.objects.filter(debtor__portfolio=portfolio).count(),
        hardship_cases=DebtorChange.objects.filter(debtor__portfolio=portfolio)
        .values("debtor")
        .distinct()
        .count(),
        debts_inserted=debts.inserted,
        payments_inserted=payments.inserted,
    )


def _refuse_rejections(result: imports.ImportResult, code: str) -> None:
    if result.rejected:
        first = result.rejected[0]
        raise DemoDataRejected(
            _(
                "The import refused %(count)d demo rows in %(portfolio)s; first: row %(row)d, %(column)s: %(message)s"
            )
            % {
                "count": len(result.rejected),
                "portfolio": code,
                "row": first.row,
                "column": first.column,
                "message": first.message,
            }
        )


def _add_contact_persons(
    portfolio: Portfolio, frame: pl.DataFrame, debtor_ids: dict[str, int], *, now: datetime
) -> None:
    """Create the contact persons of debtors that have none yet, with their phone and e-mail."""
    known = list(
        ContactPerson.objects.filter(debtor__portfolio=portfolio).values_list("debtor_id", flat=True)
    )
    rows = frame.with_columns(
        debtor_id=pl.col("debtor_ref").replace_strict(debtor_ids, return_dtype=pl.Int64)
    ).filter(~pl.col("debtor_id").is_in(pl.Series(known, dtype=pl.Int64).implode()))
    people = ContactPerson.objects.bulk_create(
        [
            ContactPerson(debtor_id=debtor_id, name=name, role=role, title=title)
            for debtor_id, name, role, title in rows.select("debtor_id", "name", "role", "title").iter_rows()
        ],
        batch_size=BATCH,
    )
    rows = rows.with_columns(contact_person_id=pl.Series([person.pk for person in people], dtype=pl.Int64))
    database.insert_frame(ContactPoint, _new_contact_points(rows, country=portfolio.country, now=now))


def _new_contact_points(rows: pl.DataFrame, *, country: str, now: datetime) -> pl.DataFrame:
    """Return the contact persons' phones (E.164 in the generated frame) and e-mails not yet known, as rows."""
    zones = _PhoneZones()
    phones = rows.select(
        "debtor_id", "contact_person_id", kind=pl.lit(str(ContactKind.PHONE)), value=pl.col("phone"),
        region=pl.lit(country),
        time_zones=pl.Series([json.dumps(zones(phone)) for phone in rows["phone"]], dtype=pl.String),
    )  # fmt: skip
    emails = rows.select(
        "debtor_id", "contact_person_id", kind=pl.lit(str(ContactKind.EMAIL)),
        value=pl.col("email").str.strip_chars().str.to_lowercase(), region=pl.lit(""), time_zones=pl.lit("[]"),
    )  # fmt: skip
    points = pl.concat([phones, emails])
    points = points.with_columns(
        value_hash=pl.Series(
            crypto.lookup_hash_many(
                [f"{kind}:{value}" for kind, value in points.select("kind", "value").iter_rows()]
            ),
            dtype=pl.Int64,
        )
    ).unique(["debtor_id", "kind", "value_hash"], keep="first", maintain_order=True)
    points = points.join(_known_points(points["debtor_id"].unique().to_list()), on=KEY, how="anti")
    return points.with_columns(
        value=pl.Series(crypto.encrypt_many(points["value"].to_list()), dtype=pl.String),
        is_primary=pl.lit(False),
        verified=pl.lit(False),
        consent=pl.lit("{}"),
        opt_outs=pl.lit("{}"),
        do_not_contact=pl.lit(False),
        source=pl.lit(str(ContactSource.IMPORT)),
        created_at=pl.lit(database.stored_datetime(now)),
    )


def _known_points(debtor_ids: list[int]) -> pl.DataFrame:
    rows: list[tuple[int, str, int]] = []
    for start in range(0, len(debtor_ids), BATCH):
        chunk = debtor_ids[start : start + BATCH]
        rows += ContactPoint.objects.filter(debtor_id__in=chunk).values_list(*KEY)
    return pl.DataFrame(
        rows, schema={"debtor_id": pl.Int64, "kind": pl.String, "value_hash": pl.Int64}, orient="row"
    )


class _PhoneZones:
    """The candidate zones of E.164 numbers, looked up once per zone-data prefix."""

    def __init__(self) -> None:
        self._by_prefix: dict[str, list[str]] = {}

    def __call__(self, e164: str) -> list[str]:
        prefix = e164[: TIMEZONE_LONGEST_PREFIX + 1]  # phonenumbers maps zones by at most this many digits
        if prefix not in self._by_prefix:
            self._by_prefix[prefix] = zones_for_phone(e164)
        return self._by_prefix[prefix]


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


def _record_run(
    seed: int, as_of: date, counts: list[PortfolioCounts], users: list[DemoUser], *, now: datetime
) -> None:
    record_event(
        actor=None,
        action="demo.load_demo",
        target=("demo", seed),
        now=now,
        reason="demo",
        after={
            "seed": seed,
            "as_of": as_of.isoformat(),
            "portfolios": {
                item.code: {
                    "debts_inserted": item.debts_inserted,
                    "payments_inserted": item.payments_inserted,
                }
                for item in counts
            },
            "users_created": [user.login.username for user in users if user.created],
        },
    )
