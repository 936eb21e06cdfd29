"""The content linter for outgoing texts and collector notes, pure: no Django.

``lint(text, language=…, packs=…, context=…)`` returns every catalog rule the text breaks, with
the offending span in the original text. See ``docs/compliance.md``, "The content linter".
"""

from arrears.compliance.linter.lint import ALL_PACKS, UnknownLanguage, UnknownPack, lint
from arrears.compliance.linter.loader import CatalogError
from arrears.compliance.linter.model import LintContext, LintHit, LintResult, Severity

__all__ = [
    "ALL_PACKS",
    "CatalogError",
    "LintContext",
    "LintHit",
    "LintResult",
    "Severity",
    "UnknownLanguage",
    "UnknownPack",
    "lint",
]
