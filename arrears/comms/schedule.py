"""The worker's scheduled jobs: each runs at most once per period, whoever's worker gets there first."""

from __future__ import annotations

from datetime import datetime


def run_due_jobs(*, now: datetime) -> list[str]:
    """Run the jobs whose time has come; return a line about each one that did something."""
    done: list[str] = []
    return done
