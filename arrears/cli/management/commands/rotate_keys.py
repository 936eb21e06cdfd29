"""`arrears rotate_keys`: re-encrypt personal data under the first key of ARREARS_ENCRYPTION_KEYS."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from arrears.cli.base import LocalizedCommand
from arrears.core.key_rotation import rotate_encryption_keys


class Command(LocalizedCommand):
    help = "Re-encrypt personal data with the current encryption key (resumable)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = rotate_encryption_keys(actor=None, now=timezone.now())
        for label, count in counts.items():
            self.stdout.write(
                _("%(field)s: %(count)d values re-encrypted") % {"field": label, "count": count}
            )
