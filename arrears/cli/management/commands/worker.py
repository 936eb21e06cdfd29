"""`arrears worker`: the background worker — sends the outbox and runs the scheduled jobs (print batches, the daily
cycle, the daily reporting refresh and summary, the daily QA sample).

Safe to kill at any moment (see arrears/comms/dispatcher.py); start as many as you like.
"""

from __future__ import annotations

import signal
import time
from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django.utils.translation import gettext as _

from arrears.cli.base import LocalizedCommand
from arrears.comms import dispatcher, schedule
from arrears.comms.gateways.registry import build_gateways
from arrears.quality import sampling
from arrears.usecases import reporting_daily
from arrears.usecases.cycle import schedule as cycle_schedule


class Command(LocalizedCommand):
    help = "Send queued messages when they are due and run the scheduled jobs; --once for a single pass."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--once", action="store_true", help="One pass over what is due, then stop.")
        parser.add_argument("--poll", type=float, default=1.0, help="Seconds between passes when idle.")
        parser.add_argument("--batch", type=int, default=200, help="Messages claimed per pass.")
        parser.add_argument(
            "--senders", type=int, default=settings.ARREARS_DISPATCH_SENDERS,
            help="Threads sending at once (each keeps its own connection to the provider).",
        )  # fmt: skip
        parser.add_argument(
            "--lease", type=int, default=settings.ARREARS_DISPATCH_LEASE_SECONDS,
            help="Seconds before a message claimed by a vanished worker is sent again (same idempotency key).",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        self._stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        gateways = build_gateways()
        limiter = dispatcher.RateLimiter(
            {
                "email": settings.ARREARS_RATE_EMAIL,
                "sms": settings.ARREARS_RATE_SMS,
                "app": settings.ARREARS_RATE_APP,
            }
        )
        lease = timedelta(seconds=options["lease"])
        if not options["once"]:
            self.stdout.write(_("Worker started; Ctrl-C stops it after the current message."))
        while not self._stopping:
            close_old_connections()
            report = dispatcher.dispatch_due(
                gateways=gateways, limit=options["batch"], lease=lease, rate_limiter=limiter
            )
            jobs = [
                *schedule.run_due_jobs(now=timezone.now()),
                *cycle_schedule.run_due_cycles(now=timezone.now()),
                *reporting_daily.run_due_reporting(now=timezone.now()),
                *sampling.run_due_samples(now=timezone.now()),
            ]
            if report.claimed or jobs:
                outcomes = ", ".join(f"{name} {count}" for name, count in sorted(report.outcomes.items()))
                self.stdout.write(
                    _("%(time)s dispatched %(count)d: %(outcomes)s") % {
                        "time": timezone.now().strftime("%H:%M:%S"), "count": report.claimed, "outcomes": outcomes or "—",
                    }
                )  # fmt: skip
                for job in jobs:
                    self.stdout.write(f"  {job}")
            if options["once"]:
                break
            if not report.claimed:
                time.sleep(options["poll"])
        for gateway in gateways.values():
            close = getattr(gateway, "close", None)
            if close is not None:
                close()

    def _stop(self, signum: int, frame: object) -> None:
        self._stopping = True
