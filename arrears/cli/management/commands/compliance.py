"""`arrears compliance check FILE.yaml [--json]` and `arrears compliance lint [TEXT | -]`."""

from __future__ import annotations

import json
import sys
from argparse import SUPPRESS, ArgumentParser
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from arrears.cli.base import LocalizedCommand
from arrears.compliance import messages
from arrears.compliance.rules.scenario import Judgement, ScenarioError, judge, read_scenario

EXIT_MISMATCH, EXIT_UNREADABLE = 1, 2


class Command(LocalizedCommand):
    help = (
        "check: judge the proposals of scenario files (exit 1 when a decision differs from `expect`). "
        "lint: check a text for prohibited content (exit 1 on a BLOCK hit)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        check = actions.add_parser("check", help="Judge scenario files (RULES.md §5 format).")
        check.add_argument("files", nargs="+", type=Path, metavar="FILE.yaml")
        check.add_argument("--json", action="store_true", help="Print one JSON object per proposal.")
        lint = actions.add_parser("lint", help="Check a message or note for prohibited content.")
        lint.add_argument("text", nargs="?", default="-", help="The text, or - to read standard input.")
        lint.add_argument("--lang", choices=["zh", "en"], help="Only this language's rules (default: both).")
        lint.add_argument(
            "--pack", action="append", dest="packs", help="A rule pack (repeatable; default: all)."
        )
        languages = [code for code, _name in settings.LANGUAGES]
        for subcommand in (check, lint):
            # --language may follow the subcommand too; SUPPRESS keeps the top-level default.
            subcommand.add_argument("--language", default=SUPPRESS, choices=languages)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "lint":
            self._lint(options)
        else:
            self._check(options["files"], as_json=options["json"])

    def _lint(self, options: dict[str, Any]) -> None:
        from arrears.cli.compliance_lint import lint_command

        text = sys.stdin.read() if options["text"] == "-" else options["text"]
        packs = options["packs"] or ["cn", "us-regf", "uk-conc"]
        code = lint_command(self, text=text, language=options["lang"], packs=packs)
        if code:
            raise SystemExit(code)

    def _check(self, files: list[Path], *, as_json: bool) -> None:
        results = {path: judge(_read(path)) for path in files}
        if as_json:
            rows = [
                {"file": str(path), **judgement.as_dict()} if len(files) > 1 else judgement.as_dict()
                for path, judgements in results.items()
                for judgement in judgements
            ]
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            for path, judgements in results.items():
                self.stdout.write(self.style.MIGRATE_HEADING(str(path)))
                for judgement in judgements:
                    self._print(judgement)
        mismatches = sum(
            1 for judgements in results.values() for judgement in judgements if judgement.matches is False
        )
        if mismatches:
            if not as_json:
                self.stderr.write(
                    self.style.ERROR(
                        _("%(count)d decision(s) differ from what was expected.") % {"count": mismatches}
                    )
                )
            raise SystemExit(EXIT_MISMATCH)

    def _print(self, judgement: Judgement) -> None:
        proposal, verdict = judgement.item.proposal, judgement.verdict
        mark = {True: self.style.SUCCESS("✓"), False: self.style.ERROR("✗"), None: " "}[judgement.matches]
        expected = ""
        if judgement.item.expect is not None:
            expected = _("expected %(decision)s") % {"decision": judgement.item.expect.value}
            if judgement.item.reason:
                expected += f" ({judgement.item.reason})"
        self.stdout.write(
            f"{mark} #{judgement.item.index} {proposal.at.isoformat()} {proposal.action.value} "
            f"{proposal.person} → {verdict.decision.value}  {expected}"
        )
        for code in verdict.reasons:
            self.stdout.write(f"      {code}: {messages.explain(code)}")
        if judgement.next_allowed_local is not None:
            self.stdout.write(
                "      "
                + _("next allowed at %(moment)s") % {"moment": judgement.next_allowed_local.isoformat()}
            )
        for fact in verdict.missing_facts:
            self.stdout.write("      " + _("missing fact: %(fact)s") % {"fact": fact})


def _read(path: Path) -> Any:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(
            _("Cannot read %(file)s: %(reason)s") % {"file": path, "reason": exc}, returncode=EXIT_UNREADABLE
        ) from exc
    except yaml.YAMLError as exc:
        raise CommandError(
            _("%(file)s is not valid YAML: %(reason)s") % {"file": path, "reason": exc},
            returncode=EXIT_UNREADABLE,
        ) from exc
    try:
        return read_scenario(raw)
    except ScenarioError as exc:
        raise CommandError(f"{path}: {messages.describe_problem(exc)}", returncode=EXIT_UNREADABLE) from exc
