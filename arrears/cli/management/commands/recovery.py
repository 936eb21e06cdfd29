"""`arrears recovery bundle|verify-bundle|placement-export`: evidence bundles and agency exports from the command line.

    arrears recovery bundle --referral N --user NAME --out FILE.zip
    arrears recovery verify-bundle FILE.zip
    arrears recovery placement-export --agency CODE --user NAME --out FILE.csv

`bundle` builds (and stores) the referral's evidence bundle as NAME, checked against its manifest,
and writes a copy to FILE. `verify-bundle` checks a ZIP against its own manifest: exit 0 when every
file matches, 1 when any does not (each named). `placement-export` writes the CSV of the cases with
the agency, with only the fields it is entitled to.
"""

from __future__ import annotations

import argparse
import zipfile
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from arrears.cli.base import LocalizedCommand
from arrears.people.models import User
from arrears.recovery import bundles, manifests, placements, queries, referrals
from arrears.recovery.models import Agency

EXIT_MISMATCH = 1


def _user(name: str) -> User:
    found = User.objects.filter(username=name, is_active=True).order_by("pk").first()
    if found is None:
        raise CommandError(_("No active user %(name)s.") % {"name": name}, returncode=2)
    return found


class Command(LocalizedCommand):
    help = (
        "bundle: a referral's evidence bundle; verify-bundle: check a ZIP; placement-export: an agency's CSV."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        bundle = actions.add_parser(
            "bundle", help="Build a referral's evidence bundle and write it to a file."
        )
        bundle.add_argument("--referral", type=int, required=True, help="The legal referral's id.")
        bundle.add_argument(
            "--user", required=True, help="Who builds it (a supervisor or compliance officer)."
        )
        bundle.add_argument("--out", type=Path, required=True, help="Where to write the ZIP.")
        verify = actions.add_parser("verify-bundle", help="Check a bundle's files against its manifest.")
        verify.add_argument("file", type=Path, help="The ZIP.")
        export = actions.add_parser("placement-export", help="Write the CSV of the cases with an agency.")
        export.add_argument("--agency", required=True, help="The agency's code.")
        export.add_argument("--user", required=True, help="Who exports (a supervisor).")
        export.add_argument("--out", type=Path, required=True, help="Where to write the CSV.")
        for sub in (bundle, verify, export):
            sub.add_argument("--language", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "verify-bundle":
            self._verify(options["file"])
        elif options["action"] == "bundle":
            user = _user(options["user"])
            referral = referrals.get_referral(user=user, referral_id=options["referral"])
            bundle, content = bundles.build_bundle(referral=referral, actor=user, now=timezone.now())
            options["out"].write_bytes(content)
            self.stdout.write(_("Wrote %(path)s (%(size)d bytes, SHA-256 %(sha)s).")
                              % {"path": options["out"], "size": bundle.size, "sha": bundle.sha256})  # fmt: skip
        else:
            user = _user(options["user"])
            agency = Agency.objects.filter(code=options["agency"]).order_by("pk").first()
            if agency is None:
                raise CommandError(_("No agency %(code)s.") % {"code": options["agency"]}, returncode=2)
            active = queries.list_placements(user=user, agency=agency, active_only=True)
            content = placements.export_placements(
                agency=agency, placements=active, actor=user, now=timezone.now()
            )
            options["out"].write_bytes(content)
            self.stdout.write(
                _("Wrote %(count)d cases to %(path)s.") % {"count": len(active), "path": options["out"]}
            )

    def _verify(self, path: Path) -> None:
        try:
            problems = manifests.verify_zip(path.read_bytes())
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}, returncode=2
            ) from exc
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(
                _("%(path)s does not match its manifest.") % {"path": path}, returncode=EXIT_MISMATCH
            )
        self.stdout.write(_("Every file of %(path)s matches its manifest.") % {"path": path})
