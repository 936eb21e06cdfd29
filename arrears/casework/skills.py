"""What a work item needs of the collector who takes it, and whether a collector has it — one rule for the cycle and the desk.

An item needs the debtor's language (``zh`` or ``en``), ``companies`` for a company debtor and
``large_balances`` from LARGE_BALANCE. A collector who lists no language speaks every one.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

LARGE_BALANCE = Decimal("50000")
LANGUAGE_SKILLS = frozenset({"zh", "en"})


def needed_skills(*, is_company: bool, balance: Decimal, language: str) -> list[str]:
    """Return the skills an item needs: the debtor's language, companies, large balances."""
    skills = ["zh" if language.startswith("zh") else "en"]
    if is_company:
        skills.append("companies")
    if balance >= LARGE_BALANCE:
        skills.append("large_balances")
    return skills


def fits_skills(skills: Iterable[str], needed: Iterable[str]) -> bool:
    """Return whether a collector's skills cover an item's; one who lists no language speaks every one."""
    held = set(skills)
    languages = held & LANGUAGE_SKILLS
    return all(
        (skill in languages or not languages) if skill in LANGUAGE_SKILLS else skill in held
        for skill in needed
    )
