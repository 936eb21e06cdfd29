"""`arrears compliance lint`: print the content linter's hits for a text; exit code 1 on a BLOCK."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from arrears.compliance import linter
from arrears.core.errors import DomainError

if TYPE_CHECKING:
    from arrears.cli.base import LocalizedCommand

EXIT_CLEAN, EXIT_BLOCKED = 0, 1


class UnknownLintPack(DomainError):
    """A pack name the content linter does not have."""


class UnknownLintLanguage(DomainError):
    """A language the content linter does not check."""


def lint_command(
    command: LocalizedCommand,
    *,
    text: str,
    language: str | None,
    packs: list[str],
    context: linter.LintContext | None = None,
) -> int:
    """Lint ``text``, print one line per hit and a summary; return 1 if any hit is a BLOCK, else 0.

    Empty ``packs`` means every pack. Each line holds the severity, the rule id, the character
    offsets and the offending span quoted (``missing`` for a required element that is absent), and
    the rule's title in the active language.

    :raises UnknownLintPack: a pack name the linter does not have.
    :raises UnknownLintLanguage: a language other than zh or en.
    """
    try:
        result = linter.lint(text, language=language, packs=packs or linter.ALL_PACKS, context=context)
    except linter.UnknownPack as exc:
        raise UnknownLintPack(
            _("Unknown pack %(pack)s; known packs: %(known)s.")
            % {"pack": exc.name, "known": ", ".join(sorted(linter.ALL_PACKS))}
        ) from exc
    except linter.UnknownLanguage as exc:
        raise UnknownLintLanguage(
            _("Unknown language %(language)s; use zh or en.") % {"language": language}
        ) from exc
    title_language = "zh" if (get_language() or "").startswith("zh") else "en"
    for hit in result.hits:
        command.stdout.write(_style(command, hit.severity)(_hit_line(hit, title_language)))
    command.stdout.write(_summary(result))
    return EXIT_BLOCKED if result.is_blocked else EXIT_CLEAN


def _hit_line(hit: linter.LintHit, title_language: str) -> str:
    where = _("missing") if hit.is_missing else f"{hit.start}-{hit.end} {_quoted(hit.matched)}"
    return f"{hit.severity:<6}  {hit.rule_id}  {where}  {hit.title[title_language]}"


def _quoted(span: str) -> str:
    return '"' + span.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _summary(result: linter.LintResult) -> str:
    if not result.hits:
        return _("No hits.")
    return ngettext(
        "%(count)d hit; verdict: %(verdict)s.", "%(count)d hits; verdict: %(verdict)s.", len(result.hits)
    ) % {"count": len(result.hits), "verdict": result.verdict}


def _style(command: LocalizedCommand, severity: linter.Severity) -> Callable[[str], str]:
    styles: dict[linter.Severity, Callable[[str], str]] = {
        linter.Severity.BLOCK: command.style.ERROR,
        linter.Severity.REVIEW: command.style.WARNING,
        linter.Severity.WARN: command.style.NOTICE,
    }
    return styles[severity]
