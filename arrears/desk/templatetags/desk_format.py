"""Display filters for the desk: money, aging buckets and lists of amounts.

Money renders as the amount with exactly the currency's minor units, grouped by thousands,
followed by the ISO 4217 code: ``1,234.50 CNY``, ``-100.00 USD``, ``1,235 JPY``. The decimal and
group separators are the active language's, except that amounts are always grouped by thousands
with a comma where the language defines no separator: Django's zh-Hans format groups by 10,000
without a separator, but Chinese bank statements and contracts write ``1,234.50``. The code, not a
symbol, because ``¥`` is both yuan and yen and a portfolio may hold several currencies. Amounts stay
``Decimal`` throughout (never float), rounded by ``core.money``'s one policy.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django import template
from django.conf import settings
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from arrears.core.money import MINOR_UNITS, round_money
from arrears.people.roles import Capability

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """Render ``amount`` in ``currency``: ``{{ balance|money:debt.currency }}`` → ``1,234.50 CNY``."""
    if amount is None or amount == "":
        return ""
    places = MINOR_UNITS.get(currency, 2)
    value = round_money(Decimal(amount), currency) if currency in MINOR_UNITS else Decimal(amount)
    separator = get_format("THOUSAND_SEPARATOR") or ","
    text = numberformat.format(
        value,
        get_format("DECIMAL_SEPARATOR"),
        decimal_pos=places,
        grouping=3,
        thousand_sep=separator,
        force_grouping=True,
    )
    return f"{text} {currency}"


@register.filter
def amounts(items: Iterable[Any]) -> str:
    """Render a list of ``Amount`` (one per currency) joined by commas, or a dash when empty."""
    rendered = [money(item.value, item.currency) for item in items]
    return ", ".join(rendered) if rendered else "—"


@register.filter
def bucket_label(bucket: str) -> str:
    """Render an aging bucket: ``current`` in words, the day ranges as they are."""
    if bucket == "current":
        return _("current")
    return _("%(range)s days") % {"range": bucket}


@register.filter
def language_label(code: str) -> str:
    """Render a language code as its name in the active language (``zh-hans`` → "Simplified Chinese")."""
    return next((str(name) for known, name in settings.LANGUAGES if known == code), code)


@register.filter
def can(user: Any, capability: str) -> bool:
    """Return whether ``user`` carries ``capability`` (for navigation only; pages get decisions from queries)."""
    return bool(getattr(user, "is_authenticated", False) and user.can(Capability(capability)))


@register.filter
def on_own_clock(moment: datetime | None) -> str:
    """Show a moment on the clock it carries (the debtor's), with its UTC offset: 2026-04-01 08:00 +08:00."""
    if moment is None:
        return "—"
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"
