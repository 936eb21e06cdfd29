"""Kill the worker with SIGKILL at random moments mid-batch: every message still arrives, exactly once.

The worker runs as a real process (`arrears worker`) against its own database and a real SMTP
server that honours idempotency keys (the Message-ID made from each key).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.support.smtp import start_smtp_sink

ARREARS = str(Path(sys.executable).with_name("arrears"))
MESSAGES = 60

SEED = """
from datetime import timedelta
from django.utils import timezone
from arrears.comms.models import Message
from arrears.portfolio.models import Portfolio, Debtor, ContactPoint
from arrears.portfolio.contact_values import lookup_hash_for
now = timezone.now()
offset = 12 - now.hour  # a zone where it is about noon, so the contact window is open
sign = "-" if offset > 0 else "+"
zone = "Etc/GMT" if offset == 0 else "Etc/GMT" + sign + str(abs(offset))
portfolio = Portfolio.objects.create(code="kill", name="Kill test", creditor_name="Bank K", country="GB",
    default_currency="GBP", time_zone="Europe/London", created_at=now)
messages = []
for number in range({count}):
    debtor = Debtor.objects.create(portfolio=portfolio, external_ref=f"D{{number}}", kind="person", name=f"Debtor {{number}}",
        created_at=now, updated_at=now)
    address = f"debtor{{number}}@example.com"
    point = ContactPoint.objects.create(debtor=debtor, kind="email", value=address,
        value_hash=lookup_hash_for("email", address), time_zones=[zone], source="import", created_at=now)
    messages.append(Message(debtor=debtor, contact_point=point, channel="email", purpose="friendly_reminder",
        language="en", subject="Reminder", body="Your bill is due. Reply STOP to opt out.",
        not_before=now - timedelta(minutes=1), idempotency_key=f"kill-{{number}}", source="test", created_at=now))
Message.objects.bulk_create(messages)
"""
STATUS = """
import json
from django.db.models import Count
from arrears.comms.models import Message
print(json.dumps(dict(Message.objects.values_list("status").annotate(n=Count("pk")))))
"""


@pytest.fixture
def database_url(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'worker.sqlite3'}"
        return
    name = f"arrears_kill_{uuid.uuid4().hex[:8]}"
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_worker_killed_at_random_moments_loses_nothing_and_sends_nothing_twice(tmp_path, database_url):
    controller, sink = start_smtp_sink()
    env = {
        **os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings", "ARREARS_DEV": "1",
        "ARREARS_VAR_DIR": str(tmp_path), "ARREARS_SMTP_HOST": "127.0.0.1", "ARREARS_SMTP_PORT": str(controller.port),
        "ARREARS_RATE_EMAIL": "8",
    }  # fmt: skip

    def run(*args: str) -> str:
        return subprocess.run([ARREARS, *args], env=env, check=True, capture_output=True, text=True).stdout

    def status() -> dict[str, int]:
        return dict(json.loads(run("shell", "--no-imports", "-c", STATUS).strip().splitlines()[-1]))

    try:
        run("migrate", "--no-input")
        run("shell", "--no-imports", "-c", SEED.format(count=MESSAGES))
        rng = random.Random(20261128)
        snapshots: list[dict[str, int]] = []
        for _ in range(5):
            worker = subprocess.Popen(
                [ARREARS, "worker", "--poll", "0.05", "--batch", "7", "--lease", "1"], env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            time.sleep(rng.uniform(2.5, 5.0))  # Django starts in about 1 s; then a batch is mid-flight
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            snapshots.append(status())
        for _ in range(20):
            statuses = status()
            if set(statuses) == {"sent"}:
                break
            time.sleep(1.1)  # let the leases of the killed workers' claims expire
            run("worker", "--once", "--batch", "100", "--lease", "1")
        statuses = status()
    finally:
        controller.stop()

    interrupted = [snapshot for snapshot in snapshots if 0 < snapshot.get("sent", 0) < MESSAGES]
    assert len(interrupted) >= 2, f"the kills should fall mid-batch: {snapshots}"
    assert statuses == {"sent": MESSAGES}
    assert sorted(sink.delivered_ids) == sorted(set(sink.delivered_ids))
    assert len(sink.delivered_ids) == MESSAGES
    assert len(sink.received) >= MESSAGES  # a few arrive twice when a kill fell between send and record
