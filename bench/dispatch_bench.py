"""Benchmark the dispatcher: e-mails to a local SMTP sink and SMS to a local HTTP gateway.

    .venv/bin/python bench/dispatch_bench.py [--messages 3000] [--runs 3] [--channels email,sms] [--workers 1]

Each run seeds a fresh SQLite database (var/bench/dispatch.sqlite3) with queued messages — each to
its own debtor, checked by the compliance decision again at send time as in production — then
starts `--workers` dispatcher processes on it (as `arrears worker` would run) and times from the
first one's start to the last one's end, until all are sent. The sinks: an aiosmtpd server in
this process, and a minimal asyncio HTTP server in its own process answering like the generic SMS
gateway (so the sink is not what is measured). Prints messages/s per run and the median.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
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


def seed(channel: str, count: int) -> None:
    """Migrate a fresh database and queue `count` messages of `channel`, each to its own debtor."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    exec(SEED.replace("COUNT", str(count)).replace("CHANNEL", repr(channel)), {})  # noqa: S102 - the fixed seed above


def dispatch() -> None:
    """Run the dispatcher until nothing is due; print when it started and ended and what it sent."""
    import django

    django.setup()
    from django.conf import settings

    from arrears.comms import dispatcher
    from arrears.comms.gateways.registry import build_gateways

    gateways = build_gateways()
    started, sent = time.time(), 0
    while True:
        report = dispatcher.dispatch_due(
            gateways=gateways, limit=500, senders=settings.ARREARS_DISPATCH_SENDERS
        )
        if not report.claimed:
            break
        sent += report.outcomes["sent"]
    print(json.dumps({"started": started, "ended": time.time(), "sent": sent}))


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


class FastGateway(asyncio.Protocol):
    """A minimal keep-alive HTTP/1.1 gateway answering 200 with an id: the sink must not be the bottleneck."""

    counter = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (head_end := self.buffer.find(b"\r\n\r\n")) >= 0:
            end = head_end + 4 + _content_length(self.buffer[:head_end])
            if len(self.buffer) < end:
                return
            self.buffer = self.buffer[end:]
            FastGateway.counter += 1
            body = b'{"id": "sms-%d"}' % FastGateway.counter
            answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
            self.transport.write(answer % (len(body), body))  # type: ignore[attr-defined]


def serve_fast_gateway(port_queue: multiprocessing.Queue[int]) -> None:
    """Run the fast gateway in its own process (its own interpreter lock) and report its port."""

    async def serve() -> None:
        server = await asyncio.get_running_loop().create_server(FastGateway, "127.0.0.1", 0)
        port_queue.put(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(serve())


def run_once(channel: str, count: int, workers: int, env: dict[str, str]) -> dict[str, float]:
    """Seed a fresh database, then time `workers` dispatcher processes sharing it until all is sent."""
    database = VAR / "dispatch.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    child_env = {**env, "DATABASE_URL": f"sqlite:///{database}", "DJANGO_SETTINGS_MODULE": "config.settings",
                 "ARREARS_DEV": "1", "ARREARS_VAR_DIR": str(VAR)}  # fmt: skip
    subprocess.run(
        [sys.executable, __file__, "--seed", channel, "--messages", str(count)], env=child_env, check=True
    )
    processes = [
        subprocess.Popen(
            [sys.executable, __file__, "--dispatch"], env=child_env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(workers)
    ]
    results = [json.loads(process.communicate()[0].strip().splitlines()[-1]) for process in processes]
    seconds = max(result["ended"] for result in results) - min(result["started"] for result in results)
    sent = sum(result["sent"] for result in results)
    return {"sent": sent, "seconds": seconds, "per_second": sent / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--channels", default="email,sms")
    parser.add_argument("--workers", type=int, default=1, help="Dispatcher processes sharing the outbox.")
    parser.add_argument("--seed", help=argparse.SUPPRESS)
    parser.add_argument("--dispatch", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.seed:
        seed(options.seed, options.messages)
        return
    if options.dispatch:
        dispatch()
        return
    VAR.mkdir(parents=True, exist_ok=True)
    from tests.support.smtp import start_smtp_sink

    controller, _sink = start_smtp_sink()
    ports: multiprocessing.Queue[int] = multiprocessing.Queue()
    gateway = multiprocessing.Process(target=serve_fast_gateway, args=(ports,), daemon=True)
    gateway.start()
    env = {**os.environ, "ARREARS_SMTP_HOST": "127.0.0.1", "ARREARS_SMTP_PORT": str(controller.port),
           "ARREARS_SMS_ENDPOINT": f"http://127.0.0.1:{ports.get(timeout=10)}/send", "ARREARS_SMS_TOKEN": "bench"}  # fmt: skip
    try:
        for channel in options.channels.split(","):
            rates = []
            for run in range(1, options.runs + 1):
                result = run_once(channel, options.messages, options.workers, env)
                rates.append(result["per_second"])
                print(
                    f"{channel} run {run}: {result['sent']:.0f} sent in {result['seconds']:.2f} s = {result['per_second']:,.0f}/s"
                )
            print(
                f"{channel} median: {statistics.median(rates):,.0f} messages/s ({options.workers} worker(s))"
            )
    finally:
        controller.stop()
        gateway.terminate()


if __name__ == "__main__":
    main()
