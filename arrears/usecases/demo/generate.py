"""Generate the demo portfolios as import files would carry them: Polars frames of strings. Pure.

The same seed and as-of date always give identical frames; each portfolio draws from its own
``random.Random`` seeded with the seed and the portfolio code, so portfolios do not shift when the
mix changes.
"""

from __future__ import annotations

import multiprocessing
import random
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from arrears.usecases.demo import identity, pools, terms
from arrears.usecases.demo.draw import cumulative, weighted
from arrears.usecases.demo.identity import Party
from arrears.usecases.demo.terms import DebtRecord

DEBT_COLUMNS = (
    "debt_ref", "debtor_ref", "debtor_type", "debtor_name", "product", "currency", "principal",
    "contract_date", "due_date", "national_id", "birth_date", "language", "region", "phone", "phone2",
    "email", "address", "interest_rate", "penalty_rate", "interest", "penalty", "fee", "instalments", "status",
)  # fmt: skip
PAYMENT_COLUMNS = ("payment_ref", "debt_ref", "amount", "currency", "received_date", "channel")
CONTACT_PERSON_COLUMNS = ("debtor_ref", "name", "role", "title", "phone", "email")
CHANGE_COLUMNS = ("debtor_ref", "category", "description", "occurred_date", "financial_situation")
DAYS_PAST_DUE_COLUMNS = ("debt_ref", "days_past_due")
DISPUTED_SHARE = 0.04
HARDSHIP_SHARE = 0.06

PartyMaker = Callable[[random.Random, date], Party]
TermsMaker = Callable[[random.Random], terms.Terms]


@dataclass(frozen=True, slots=True)
class PortfolioSpec:
    """A demo portfolio: who owes, what products, and how the debtors are shared out."""

    code: str
    name: str
    creditor_name: str
    country: str
    currency: str
    time_zone: str
    ref_prefix: str
    share: int
    parties: tuple[tuple[PartyMaker, int], ...]
    products: tuple[tuple[TermsMaker, int], ...]
    debts_per_debtor: tuple[int, ...]  # weights of 1, 2, 3 … debts


PORTFOLIOS: tuple[PortfolioSpec, ...] = (
    PortfolioSpec("cn-consumer", "消费贷与信用卡 Consumer loans and cards (CN)", "示例消费金融有限公司",
                  "CN", "CNY", "Asia/Shanghai", "CNC", 40, ((identity.make_cn_person, 1),),
                  ((terms.consumer_loan_cny, 55), (terms.credit_card_cny, 45)), (75, 20, 5)),
    PortfolioSpec("cn-sme", "企业应收与小微贷款 SME receivables (CN)", "示例商业保理有限公司",
                  "CN", "CNY", "Asia/Shanghai", "SME", 15,
                  ((identity.make_cn_company, 85), (identity.make_cn_person, 15)),
                  ((terms.b2b_invoice_cny, 60), (terms.sme_loan_cny, 40)), (50, 25, 15, 10)),
    PortfolioSpec("us-cards", "US cards and auto loans", "Example Bank, N.A.",
                  "US", "USD", "America/New_York", "USC", 30, ((identity.make_us_person, 1),),
                  ((terms.credit_card_usd, 65), (terms.auto_loan_usd, 35)), (80, 20)),
    PortfolioSpec("uk-telecom", "UK telecom bills", "Example Telecom plc",
                  "GB", "GBP", "Europe/London", "UKT", 15,
                  ((identity.make_uk_person, 90), (identity.make_uk_company, 10)),
                  ((terms.telecom_gbp, 1),), (85, 15)),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class PortfolioData:
    """One portfolio's frames: debts and payments in the import format, and the extras."""

    spec: PortfolioSpec
    debts: pl.DataFrame
    payments: pl.DataFrame
    contact_persons: pl.DataFrame
    changes: pl.DataFrame
    days_past_due: pl.DataFrame


@dataclass(frozen=True, slots=True)
class DemoData:
    """Everything the demo loads, portfolio by portfolio."""

    seed: int
    as_of: date
    portfolios: tuple[PortfolioData, ...]


def portfolio_sizes(debtors: int) -> list[tuple[PortfolioSpec, int]]:
    """Return each demo portfolio with its number of debtors."""
    return list(zip(PORTFOLIOS, split_debtors(debtors, [spec.share for spec in PORTFOLIOS]), strict=True))


def generate_in_background(*, seed: int, debtors: int, as_of: date) -> Iterator[PortfolioData]:
    """Yield the portfolios of :func:`generate_demo`, smallest first, made one by one in a worker process.

    The caller loads one portfolio while the worker draws the next: on two cores this hides most of
    the generation time of a large demo. The frames are the same as :func:`generate_demo` gives.
    """
    sizes = sorted(portfolio_sizes(debtors), key=lambda item: item[1])
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [
            pool.submit(generate_portfolio, spec, seed=seed, debtors=count, as_of=as_of)
            for spec, count in sizes
        ]
        try:
            for future in futures:
                yield future.result()
        finally:
            pool.shutdown(cancel_futures=True)  # a failed load need not wait for the rest


def split_debtors(total: int, shares: list[int]) -> list[int]:
    """Return ``total`` split in proportion to ``shares`` (largest remainder), at least one each."""
    weight = sum(shares)
    exact = [total * share / weight for share in shares]
    counts = [max(1, int(value)) for value in exact]
    by_remainder = sorted(range(len(shares)), key=lambda index: (int(exact[index]) - exact[index], index))
    for index in by_remainder[: max(0, total - sum(counts))]:
        counts[index] += 1
    return counts


def generate_demo(*, seed: int, debtors: int, as_of: date) -> DemoData:
    """Return the demo portfolios with ``debtors`` debtors shared out among them."""
    return DemoData(
        seed=seed,
        as_of=as_of,
        portfolios=tuple(
            generate_portfolio(spec, seed=seed, debtors=count, as_of=as_of)
            for spec, count in portfolio_sizes(debtors)
        ),
    )


class _Rows:
    """Column-wise accumulators for the frames of one portfolio."""

    def __init__(self) -> None:
        self.debts: dict[str, list[str | None]] = {column: [] for column in DEBT_COLUMNS}
        self.payments: dict[str, list[str | None]] = {column: [] for column in PAYMENT_COLUMNS}
        self.contacts: dict[str, list[str | None]] = {column: [] for column in CONTACT_PERSON_COLUMNS}
        self.changes: dict[str, list[str | None]] = {column: [] for column in CHANGE_COLUMNS}
        self.days_past_due: dict[str, list[str | None]] = {column: [] for column in DAYS_PAST_DUE_COLUMNS}

    @staticmethod
    def add(target: dict[str, list[str | None]], values: tuple[str | None, ...]) -> None:
        for column, value in zip(target, values, strict=True):
            target[column].append(value)


def _frame(columns: dict[str, list[str | None]]) -> pl.DataFrame:
    return pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.Utf8))


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def generate_portfolio(spec: PortfolioSpec, *, seed: int, debtors: int, as_of: date) -> PortfolioData:
    """Return one portfolio's frames, drawn from a generator seeded by ``seed`` and the portfolio code."""
    rng = random.Random(f"{seed}:{spec.code}")
    rows = _Rows()
    makers, maker_weights = zip(*spec.parties, strict=True)
    products, product_weights = zip(*spec.products, strict=True)
    maker_totals, product_totals = cumulative(maker_weights), cumulative(product_weights)
    debt_counts, count_totals = range(1, len(spec.debts_per_debtor) + 1), cumulative(spec.debts_per_debtor)
    for index in range(1, debtors + 1):
        debtor_ref = f"{spec.ref_prefix}-D{index:06d}"
        party = weighted(rng, makers, maker_totals)(rng, as_of)
        for number in range(1, weighted(rng, debt_counts, count_totals) + 1):
            record = terms.build_debt(rng, weighted(rng, products, product_totals)(rng), as_of)
            disputed = rng.random() < DISPUTED_SHARE or (index == 2 and number == 1)
            _add_debt(rows, f"{spec.ref_prefix}-{index:06d}-{number}", debtor_ref, party, record, disputed)
        _add_extras(rng, rows, debtor_ref, party, as_of, hardship=rng.random() < HARDSHIP_SHARE or index == 3)
    return PortfolioData(
        spec=spec,
        debts=_frame(rows.debts),
        payments=_frame(rows.payments),
        contact_persons=_frame(rows.contacts),
        changes=_frame(rows.changes),
        days_past_due=_frame(rows.days_past_due),
    )


def _add_debt(
    rows: _Rows, debt_ref: str, debtor_ref: str, party: Party, record: DebtRecord, disputed: bool
) -> None:
    contract = record.terms
    rows.add(rows.debts, (
        debt_ref, debtor_ref, party.debtor_type, party.name, contract.product, contract.currency,
        f"{contract.principal:.2f}", record.contract_date.isoformat(), record.due_date.isoformat(),
        party.national_id, _iso(party.birth_date), party.language, party.region, party.phone, party.phone2,
        party.email, party.address, str(contract.interest_rate), str(contract.penalty_rate),
        f"{record.interest:.2f}", f"{record.penalty:.2f}", f"{record.fee:.2f}", str(contract.instalments),
        "disputed" if disputed else "open",
    ))  # fmt: skip
    for number, payment in enumerate(record.payments, start=1):
        rows.add(rows.payments, (
            f"{debt_ref}-P{number}", debt_ref, f"{payment.amount:.2f}", contract.currency,
            payment.received_date.isoformat(), payment.channel,
        ))  # fmt: skip
    rows.add(rows.days_past_due, (debt_ref, str(record.days_past_due)))


def _add_extras(
    rng: random.Random, rows: _Rows, debtor_ref: str, party: Party, as_of: date, hardship: bool
) -> None:
    for contact in party.contacts:
        rows.add(
            rows.contacts,
            (debtor_ref, contact.name, contact.role, contact.title, contact.phone, contact.email),
        )
    if not hardship:
        return
    stories = {
        ("zh-hans", "person"): pools.CN_HARDSHIPS,
        ("zh-hans", "company"): pools.CN_BUSINESS_HARDSHIPS,
        ("en", "person"): pools.EN_HARDSHIPS,
        ("en", "company"): pools.EN_BUSINESS_HARDSHIPS,
    }[(party.language, party.debtor_type)]
    category, description, situation = rng.choice(stories)
    occurred = as_of - timedelta(days=rng.randint(20, 300))
    rows.add(rows.changes, (debtor_ref, category, description, occurred.isoformat(), situation))
