"""Benchmark (run on demand, not collected by pytest): bed-count POST -> webhook received.

With a real Celery worker in a subprocess on the real Redis broker, a volunteer's bed-count
form is posted 100 times (Django's test client, in this process, against the real database),
alternating a 20-place space between 95% and 50% taken, so each POST raises exactly one
alert (nearly full, then room again). Each latency is from just before the POST to the moment
the local webhook server has the signed request. Prints p50 and p95 (target p95 < 2 s).

    createdb -h 127.0.0.1 -U postgres shelter_alerts_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shelter_alerts_bench \\
    REDIS_URL=redis://127.0.0.1:6379/2 uv run python tests/bench/bench_alert_latency.py

The database is migrated and gets its own uniquely named rows, removed at the end; the
Redis database's Celery queue is purged first.
"""

import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coordination.settings")

CHANGES = 100
SECRET = "bench-secret"


def main() -> int:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get(
        "REDIS_URL"
    ):
        print("Set DATABASE_URL (PostgreSQL) and REDIS_URL; see the docstring.", file=sys.stderr)
        return 2
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from django.test import Client
    from django.urls import reverse

    from coordination.alerts.recipients import Webhook
    from coordination.celery import app as celery_app
    from shelter.models import MembershipRole, Shelter, ShelterMembership, Space
    from tests.coordination.alert_helpers import WebhookServer, count_post, wait_until
    from tests.factories import UserFactory

    run = uuid.uuid4().hex[:8]
    city = f"Bench city {run}"
    big = Shelter.objects.create(name=f"Bench gym {run}", address="-", city=city, status="open")
    Space.objects.create(shelter=big, name="Hall", places=1000)  # the city is never low
    shelter = Shelter.objects.create(
        name=f"Bench cinema {run}", address="-", city=city, status="open"
    )
    space = Space.objects.create(shelter=shelter, name="Auditorium", places=20)
    volunteer = UserFactory(username=f"bench-{run}")
    ShelterMembership.objects.create(shelter=shelter, user=volunteer, role=MembershipRole.VOLUNTEER)
    client = Client(SERVER_NAME="localhost")
    client.force_login(volunteer)

    celery_app.control.purge()
    command = [sys.executable, "-m", "celery", "-A", "coordination", "worker"]
    options = ["--loglevel", "WARNING", "--concurrency", "2", "--hostname", f"bench-{run}@%h"]
    worker = subprocess.Popen([*command, *options], cwd=ROOT)
    latencies = []
    try:
        if not wait_until(lambda: celery_app.control.ping(timeout=0.5), timeout=60):
            print("the worker did not start", file=sys.stderr)
            return 1
        with WebhookServer() as server:
            webhook = Webhook.objects.create(name=run, url=server.url, secret=SECRET, city=city)
            webhook.shelters.add(shelter)
            url = reverse("shelter:detail", args=[shelter.pk])
            for index in range(CHANGES):
                occupied = 19 if index % 2 == 0 else 10  # 95% (nearly full) / 50% (room again)
                space.refresh_from_db()
                started = time.monotonic()
                response = client.post(url, count_post(space, occupied))
                assert response.status_code == 302, response.status_code
                received = server.wait_for(index + 1, timeout=30)
                if len(received) <= index:
                    print(f"change {index}: no webhook within 30 s", file=sys.stderr)
                    return 1
                latencies.append(received[index].at - started)
            bad = [r for r in server.received if not r.signature_verifies(SECRET)]
            assert not bad, "a signature did not verify"
            assert len(server.received) == CHANGES, len(server.received)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        Shelter.objects.filter(city=city).delete()
        Webhook.objects.filter(name=run).delete()
        volunteer.delete()

    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    print(f"{CHANGES} changes, POST -> webhook received (real worker, Redis, PostgreSQL):")
    print(f"  p50 {cuts[49] * 1000:.0f} ms")
    print(f"  p95 {cuts[94] * 1000:.0f} ms")
    print(f"  min {min(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
    print("  target p95 < 2000 ms:", "met" if cuts[94] < 2 else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
