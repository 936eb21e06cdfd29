"""The values of a template's variables for one debt, as of one date (see ``templating.CATALOG``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from arrears.comms.templating import VARIABLES, language_key
from arrears.compliance import policies
from arrears.core import portal_tokens
from arrears.core.money import Money
from arrears.portfolio import ledger
from arrears.portfolio.choices import Component, DebtorKind, Product
from arrears.portfolio.models import ContactPoint, Debt, Payment

DEFAULT_DEADLINE_DAYS = 7
ACCOUNT_TAIL_LENGTH = 4
# What a message says when a setting is absent: neutral, and never a person's account.
NEUTRAL_TEXTS: dict[str, dict[str, str]] = {
    "ARREARS_PAYMENT_LINK_BASE": {"en": "the official app or bank transfer", "zh": "官方App或银行转账"},
    "ARREARS_CREDITOR_CONTACT": {"en": "our official customer service line", "zh": "本机构官方客服热线"},
    "ARREARS_PAYMENT_CHANNELS": {
        "en": "our official app, our official website or a bank transfer to our company account",
        "zh": "本机构官方App、官方网站或银行转账至本机构对公账户",
    },
}


class UnknownVariable(ValueError):
    """A per-message value for a name the catalog does not have, or that is not per message."""


def build_variables(
    *,
    debt: Debt,
    contact_point: ContactPoint | None,
    as_of: date,
    language: str,
    extra: Mapping[str, Any] | None = None,
    deadline_days: int = DEFAULT_DEADLINE_DAYS,
) -> dict[str, Any]:
    """Return every catalog variable for ``debt`` on ``as_of`` in ``language``.

    Amounts come from the ledger; ``contact_point`` decides who is greeted (a company's contact
    person by name, else the debtor). ``extra`` gives the per-message values (a promise, an
    arrangement, a dispute, a payment); those not given are ``None``, except the payment ones,
    which default to the debt's latest payment that was not reversed.

    :raises UnknownVariable: when ``extra`` names something that is not a per-message variable.
    """
    position = ledger.get_position(debt=debt, as_of=as_of)
    components = position.balances.components
    currency = debt.currency
    return {
        **_who(debt, contact_point, language),
        "account_tail": account_tail(debt.external_ref),
        "product": _product_label(debt.product, language),
        "contract_date": debt.contract_date,
        "original_principal": Money(debt.principal, currency),
        "principal_due": Money(components[Component.PRINCIPAL], currency),
        "interest_due": Money(components[Component.INTEREST], currency),
        "penalty_due": Money(components[Component.PENALTY], currency),
        "fee_due": Money(components[Component.FEE], currency),
        "total_due": Money(position.balances.total, currency),
        "currency": currency,
        "due_date": _due_date(debt, as_of, position.days_past_due),
        "days_past_due": position.days_past_due,
        "today": as_of,
        "deadline": as_of + timedelta(days=deadline_days),
        "payment_link": _payment_link(debt, as_of, language),
        "payment_channels": _setting("ARREARS_PAYMENT_CHANNELS", language),
        "creditor_name": debt.portfolio.creditor_name,
        "creditor_contact": _setting("ARREARS_CREDITOR_CONTACT", language),
        "collector_name": policies.get_collector_entity(debt.portfolio),
        "language": language,
        **_per_message(debt, as_of, extra or {}),
    }


def account_tail(reference: str) -> str:
    """Return the last four letters or digits of an account reference (all of a shorter one)."""
    characters = [character for character in reference if character.isalnum()]
    return "".join(characters[-ACCOUNT_TAIL_LENGTH:])


def salutation(name: str, *, language: str, is_company: bool) -> str:
    """Greet a person as the seed does (``张伟先生/女士``; no gender is recorded) or ``Dear <name>``."""
    if language_key(language) == "zh":
        return f"尊敬的{name}" if is_company else f"{name}先生/女士"
    return f"Dear {name}"


def _who(debt: Debt, contact_point: ContactPoint | None, language: str) -> dict[str, str]:
    debtor = debt.debtor
    person = contact_point.contact_person if contact_point is not None else None
    if person is not None and debtor.kind == DebtorKind.COMPANY:
        greeting = salutation(person.name, language=language, is_company=False)
    else:
        greeting = salutation(debtor.name, language=language, is_company=debtor.kind == DebtorKind.COMPANY)
    return {"salutation": greeting, "debtor_name": debtor.name}


def _product_label(product: str, language: str) -> str:
    code = "zh-hans" if language_key(language) == "zh" else "en"
    with translation.override(code):
        return str(Product(product).label) if product in Product.values else product


def _due_date(debt: Debt, as_of: date, days_past_due: int) -> date:
    """Return when the oldest unpaid amount fell due, or the next due date when nothing is late."""
    if days_past_due > 0:
        return as_of - timedelta(days=days_past_due)
    upcoming = [item.due_date for item in ledger.get_schedule(debt=debt) if item.due_date >= as_of]
    return min(upcoming, default=debt.due_date)


def _payment_link(debt: Debt, as_of: date, language: str) -> str:
    """Return a signed link to the debtor's portal (issued at the start of ``as_of``) when the portal has an address.

    Without ``ARREARS_PORTAL_BASE_URL`` it is the ``ARREARS_PAYMENT_LINK_BASE`` text, else the neutral text.
    """
    base = str(getattr(settings, "ARREARS_PORTAL_BASE_URL", "")).strip().rstrip("/")
    if not base:
        return _setting("ARREARS_PAYMENT_LINK_BASE", language)
    issued_at = datetime.combine(as_of, time.min, tzinfo=UTC)
    token = portal_tokens.issue(debtor_id=debt.debtor_id, issued_at=issued_at)
    return base + reverse("portal:enter", args=[token])


def _setting(name: str, language: str) -> str:
    """Return a text setting (one string, or a mapping ``{"en": …, "zh": …}``), else the neutral text."""
    key = language_key(language)
    value = getattr(settings, name, "")
    if isinstance(value, Mapping):
        value = value.get(key, "")
    return str(value).strip() or NEUTRAL_TEXTS[name][key]


def _per_message(debt: Debt, as_of: date, extra: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(name for name in extra if name not in VARIABLES or not VARIABLES[name].per_message)
    if unknown:
        raise UnknownVariable(f"Not a per-message template variable: {', '.join(unknown)}")
    values: dict[str, Any] = {name: None for name, variable in VARIABLES.items() if variable.per_message}
    payment = (
        Payment.objects.filter(debt=debt, reversed_at__isnull=True, received_date__lte=as_of)
        .order_by("-received_date", "-pk")
        .first()
    )
    if payment is not None:
        values.update(
            payment_amount=Money(payment.amount, payment.currency),
            payment_date=payment.received_date,
            payment_reference=payment.external_ref,
        )
    values.update(extra)
    return values
