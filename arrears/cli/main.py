"""The ``arrears`` console script: Django's management commands under one name."""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Run ``arrears <command> …`` as ``manage.py <command> …``; ``arrears import debts`` included."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["arrears", *sys.argv[1:]])


if __name__ == "__main__":
    main()
