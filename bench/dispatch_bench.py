"""Benchmark the dispatcher: e-mails to a local SMTP sink and SMS to a local HTTP gateway.

    .venv/bin/python bench/dispatch_bench.py [--messages 3000] [--runs 3] [--channels email,sms]

Each run seeds a fresh SQLite database (var/bench/dispatch.sqlite3) with queued messages — each to
its own debtor, checked by the compliance decision again at send time as in production — and
times `dispatch_due` until all are sent, in a child process. The sinks run in this process: an
aiosmtpd server and a stdlib HTTP server answering like the generic SMS gateway. Prints
messages/s per run and the median.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
sys.path.insert(0, str(ROOT))

SEED = """
from datetime import timedelta
from django.utils import timezone
from arrears.comms.models import Message
from arrears.portfolio.models import Portfolio, Debtor, ContactPoint
from arrears.portfolio.contact_values import lookup_hash_for
now = timezone.now()
offset = 12 - now.hour
sign = "-" if offset > 0 else "+"
zone = "Etc/GMT" if offset == 0 else "Etc/GMT" + sign + str(abs(offset))
portfolio = Portfolio.objects.create(code="bench", name="Bench", creditor_name="Bank B", country="GB",
    default_currency="GBP", time_zone="Europe/London", created_at=now)
debtors = Debtor.objects.bulk_create([Debtor(portfolio=portfolio, external_ref=f"D{i}", kind="person",
    name=f"Debtor {i}", created_at=now, updated_at=now) for i in range(COUNT)])
kind = "email" if CHANNEL == "email" else "phone"
values = [f"debtor{i}@example.com" if kind == "email" else f"+4477009{i:05d}" for i in range(COUNT)]
points = ContactPoint.objects.bulk_create([ContactPoint(debtor=debtor, kind=kind, value=value,
    value_hash=lookup_hash_for(kind, value), time_zones=[zone], source="import", created_at=now)
    for debtor, value in zip(debtors, values)])
Message.objects.bulk_create([Message(debtor=debtor, contact_point=point, channel=CHANNEL, purpose="friendly_reminder",
    language="en", subject="Reminder", body="Your bill is due. Reply STOP to opt out.",
    not_before=now - timedelta(minutes=1), idempotency_key=f"bench-{i}", source="bench", created_at=now)
    for i, (debtor, point) in enumerate(zip(debtors, points))])
"""


def child(channel: str, count: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    exec(SEED.replace("COUNT", str(count)).replace("CHANNEL", repr(channel)), {})  # noqa: S102 - the fixed seed above
    from django.conf import settings

    from arrears.comms import dispatcher
    from arrears.comms.gateways.registry import build_gateways
    from arrears.comms.models import Message

    gateways = build_gateways()
    started = time.perf_counter()
    while dispatcher.dispatch_due(
        gateways=gateways, limit=1000, senders=settings.ARREARS_DISPATCH_SENDERS
    ).claimed:
        pass
    elapsed = time.perf_counter() - started
    sent = Message.objects.filter(status="sent").count()
    print(json.dumps({"channel": channel, "sent": sent, "seconds": elapsed, "per_second": sent / elapsed}))


class GatewayHandler(BaseHTTPRequestHandler):
    """Answer like the generic SMS gateway: 200 with an id (keep-alive, no Nagle delay)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        body = json.dumps({"id": f"sms-{time.monotonic_ns()}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


def run_once(channel: str, count: int, env: dict[str, str]) -> dict[str, float]:
    database = VAR / "dispatch.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    child_env = {**env, "DATABASE_URL": f"sqlite:///{database}", "DJANGO_SETTINGS_MODULE": "config.settings",
                 "ARREARS_DEV": "1", "ARREARS_VAR_DIR": str(VAR)}  # fmt: skip
    output = subprocess.run(
        [sys.executable, __file__, "--child", channel, "--messages", str(count)],
        env=child_env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return dict(json.loads(output.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--channels", default="email,sms")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options.child, options.messages)
        return
    VAR.mkdir(parents=True, exist_ok=True)
    from tests.support.smtp import start_smtp_sink

    controller, _sink = start_smtp_sink()
    gateway = ThreadingHTTPServer(("127.0.0.1", 0), GatewayHandler)
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    env = {**os.environ, "ARREARS_SMTP_HOST": "127.0.0.1", "ARREARS_SMTP_PORT": str(controller.port),
           "ARREARS_SMS_ENDPOINT": f"http://127.0.0.1:{gateway.server_port}/send", "ARREARS_SMS_TOKEN": "bench"}  # fmt: skip
    try:
        for channel in options.channels.split(","):
            rates = []
            for run in range(1, options.runs + 1):
                result = run_once(channel, options.messages, env)
                rates.append(result["per_second"])
                print(
                    f"{channel} run {run}: {result['sent']:.0f} sent in {result['seconds']:.2f} s = {result['per_second']:,.0f}/s"
                )
            print(f"{channel} median: {statistics.median(rates):,.0f} messages/s")
    finally:
        controller.stop()
        gateway.shutdown()


if __name__ == "__main__":
    main()
