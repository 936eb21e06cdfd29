"""Template filters for the quality pages: scorecard labels kept in both languages, reasons and marks."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from arrears.quality import elements
from arrears.quality.models import SampleReason

register = template.Library()
MARKS = {"pass": _("Pass"), "fail": _("Fail"), "na": _("n/a")}


def _is_chinese() -> bool:
    return (get_language() or "en").lower().startswith("zh")


@register.filter
def bilingual(value: Any, field: str) -> str:
    """Return ``value.<field>_zh`` in Chinese pages, else ``value.<field>_en`` (``{{ item|bilingual:"label" }}``)."""
    if isinstance(value, dict):
        return str(
            value.get(f"{field}_zh" if _is_chinese() else f"{field}_en") or value.get(f"{field}_en") or ""
        )
    return str(
        getattr(value, f"{field}_zh" if _is_chinese() else f"{field}_en", "")
        or getattr(value, f"{field}_en", "")
    )


@register.filter
def reason_label(code: str) -> str:
    """Return why a contact was sampled, in the active language."""
    return str(SampleReason(code).label) if code in SampleReason.values else code


@register.filter
def element_label(key: str) -> str:
    """Return an expected element's name (or the key of anything else: a linter rule)."""
    try:
        return elements.element_label(key, "zh" if _is_chinese() else "en")
    except KeyError:
        return key


@register.filter
def in_language(title: dict[str, str] | None) -> str:
    """Return the active language's text of a two-language mapping (a linter rule's title)."""
    if not title:
        return ""
    return title.get("zh" if _is_chinese() else "en") or title.get("en", "")


@register.filter
def mark_label(mark: str) -> str:
    """Return a mark (pass, fail, na) as the active language says it."""
    return str(MARKS.get(mark, mark))
