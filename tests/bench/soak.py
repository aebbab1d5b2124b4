"""Soak test (run on demand): mixed traffic for a while, then check nothing drifted.

    uv run python -m tests.bench.soak [--seconds 600] [--clients 8] [--outage 30]

Serves the Uralsk demo with gunicorn (2 workers) and a real Celery worker on Redis, and drives
it from a second process on loopback: public page and API reads, bed counts, household
registrations with check-ins, and check-outs. Then it verifies that no space ever held more
people than its places, that each space's occupancy equals the sum of its recorded history,
that every raised alert was delivered exactly once per channel and recipient (when the
alerts app is installed), and that the web workers' memory grew by less than 20%.

Redis is a server of the soak's own (on a free port), stopped for `--outage` seconds in the
middle of the run (0: never) and started again empty, as an operator's kill would leave it;
answers during the outage are counted apart.
"""

import argparse
import http.cookiejar
import http.server
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

from tests.bench.server import ROOT, environment, fresh_database, gunicorn, run
from tests.redis_server import RedisServer

DB = "shelter_soak"
REDIS_DB = 5
PORT = 8098
BASE = f"http://127.0.0.1:{PORT}"
# The soak client is one address and keeps no cookies for its reads: lift the public limits.
ENV = environment(
    DB,
    REDIS_DB,
    PUBLIC_RATE_LIMIT_NEW="1000000/m",
    PUBLIC_RATE_LIMIT_ADDRESS="1000000/m",
    PUBLIC_PAGE_LOCAL_SECONDS="1",
    EMAIL_URL="dummymail://",  # mails are "sent" without a server; deliveries still recorded
)
HOOK_PORT = 8097


class Volunteer:
    """One logged-in browser: cookies, CSRF token, and the forms it posts."""

    def __init__(self, username: str, password: str):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.get("/accounts/login/")
        self.post("/accounts/login/", {"username": username, "password": password})

    def get(self, path: str) -> str:
        with self.opener.open(BASE + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, data: dict, page: str = "") -> tuple[str, str]:
        # This browser's own CSRF cookie: valid for any form of its session.
        token = next(c.value for c in self.cookies if c.name == "csrftoken")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(BASE + path, data=body, headers={"Referer": BASE + path})
        with self.opener.open(request, timeout=30) as response:
            return response.geturl(), response.read().decode()


def count_beds(volunteer: Volunteer, shelter_id: int) -> str:
    page = volunteer.get(f"/shelters/{shelter_id}/")
    fields = dict(re.findall(r'name="(space-\d+-[a-z_]+)"[^>]*value="(\d*)"', page))
    rows = sorted({name.rsplit("-", 1)[0] for name in fields})
    if not rows:
        return "empty"
    row = random.choice(rows)
    data = dict(fields)
    data[f"{row}-occupied"] = str(max(0, int(fields[f"{row}-occupied"]) + random.choice([-1, 1])))
    data["submission"] = re.search(r'name="submission" value="([^"]+)"', page).group(1)
    volunteer.post(f"/shelters/{shelter_id}/", data)
    return "count"


def arrive(volunteer: Volunteer, stays: list, lock: threading.Lock) -> str:
    url, found = volunteer.post(
        "/households/new/",
        {"contact_name": f"Soak {random.random()}", "size": random.randint(1, 3), "children": 0},
    )
    household = re.search(r"/households/(\d+)/place/", url)
    space = re.search(r'check-in/">.*?name="space" value="(\d+)"', found, re.S)
    if not household or not space:
        return "arrive: no place"
    _url, detail = volunteer.post(
        f"/households/{household.group(1)}/check-in/", {"space": space.group(1)}
    )
    stay = re.search(r'action="/stays/(\d+)/check-out/"', detail)
    if stay:
        with lock:
            stays.append(stay.group(1))
    return "check-in"


def leave(volunteer: Volunteer, stays: list, lock: threading.Lock) -> str:
    with lock:
        if not stays:
            return "nobody"
        stay = stays.pop(random.randrange(len(stays)))
    volunteer.post(f"/stays/{stay}/check-out/", {})
    return "check-out"


def read_public(_volunteer) -> str:
    path = random.choice(["/", "/?family=on", "/api/v1/shelters/", "/api/v1/meals/"])
    with urllib.request.urlopen(BASE + path, timeout=30) as response:
        response.read()
    return "read"


OUTAGE = threading.Event()  # set while Redis is stopped


def client(deadline: float, shelter_ids: list, stays: list, lock, tally: Counter) -> None:
    volunteer = Volunteer("coordinator", "uralsk-coordinator")
    while time.monotonic() < deadline:
        roll = random.random()
        if roll < 0.7:
            name, action = "read", lambda: read_public(volunteer)
        elif roll < 0.85:
            name, action = "count", lambda: count_beds(volunteer, random.choice(shelter_ids))
        elif roll < 0.95:
            name, action = "arrive", lambda: arrive(volunteer, stays, lock)
        else:
            name, action = "leave", lambda: leave(volunteer, stays, lock)
        try:
            outcome = action()
        except urllib.error.HTTPError as error:
            outcome = f"{name}: http {error.code}"
        except OSError as error:
            outcome = f"{name}: {type(error).__name__}"
        with lock:
            tally[f"{outcome} (Redis down)" if OUTAGE.is_set() else outcome] += 1


def stop_redis_midway(redis: RedisServer, start_in: float, seconds: float) -> None:
    time.sleep(start_in)
    redis.stop()
    OUTAGE.set()
    print(f"--- Redis stopped for {seconds:.0f} s", flush=True)
    time.sleep(seconds)
    redis.start()
    OUTAGE.clear()
    print("--- Redis started again (empty)", flush=True)


class WebhookReceiver(http.server.BaseHTTPRequestHandler):
    """Counts each alert delivery id it receives (the app signs and numbers every call)."""

    received: Counter = Counter()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        WebhookReceiver.received[self.headers.get("X-Shelter-Delivery", "?")] += 1
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


SUBSCRIBE = """
from django.contrib.auth import get_user_model
from coordination.alerts.recipients import AlertSubscription, Webhook
coordinator = get_user_model().objects.get(username="coordinator")
coordinator.email = "coordinator@example.org"
coordinator.save()
AlertSubscription.objects.get_or_create(user=coordinator, channel="email", city="Uralsk")
Webhook.objects.get_or_create(
    name="soak", url="http://127.0.0.1:%d/hook", secret="soak-secret", city="Uralsk"
)
"""


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        status = Path(f"/proc/{pid}/status").read_text()
        total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    return total


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True, check=False)
    return [int(pid) for pid in out.stdout.split()]


VERIFY = """
from django.db.models import F, Sum
from shelter.models import OccupancyEvent, Space
over = OccupancyEvent.objects.filter(after__gt=F("places")).count()
print("events above their places:", over)
drift = 0
history = {row["space"]: row["total"] for row in
           OccupancyEvent.objects.values("space").annotate(total=Sum(F("after") - F("before")))}
for space in Space.objects.all():
    taken = space.occupied + space.held + space.blocked
    if space.occupied != history.get(space.pk, 0) or taken > space.places:
        drift += 1
print("spaces whose occupancy differs from their history:", drift)
from shelter.models import OccupancyOutbox
print("changes never evaluated (outbox rows left):", OccupancyOutbox.objects.count())
from collections import Counter
from coordination.alerts.models import Alert, AlertDelivery
print("alerts raised:", Alert.objects.count())
print("deliveries by channel and status:", dict(Counter(
    AlertDelivery.objects.values_list("channel", "status"))))
keys = Counter(AlertDelivery.objects.values_list("alert_id", "channel", "recipient"))
print("alert+channel+recipient with more than one row:", sum(n > 1 for n in keys.values()))
print("webhook delivery ids:", ",".join(str(pk) for pk in AlertDelivery.objects.filter(
    channel="webhook", status="delivered").values_list("pk", flat=True)))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--outage", type=int, default=30, help="seconds Redis is stopped")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as static_root, RedisServer() as redis:
        ENV["REDIS_URL"] = redis.url
        fresh_database(ENV, DB, REDIS_DB, static_root)
        run(ENV, sys.executable, "manage.py", "demo", "--no-serve", stdout=subprocess.DEVNULL)
        run(ENV, sys.executable, "manage.py", "shell", "-c", SUBSCRIBE % HOOK_PORT)
        hooks = http.server.ThreadingHTTPServer(("127.0.0.1", HOOK_PORT), WebhookReceiver)
        threading.Thread(target=hooks.serve_forever, daemon=True).start()
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "coordination",
                "worker",
                "--beat",
                "--loglevel",
                "warning",
                "--concurrency",
                "2",
            ],
            cwd=ROOT,
            env=ENV,
        )
        server = gunicorn(ENV, PORT)
        try:
            shelter_ids = [
                int(i)
                for i in re.findall(
                    r'href="/s/(\d+)/"',
                    Volunteer("coordinator", "uralsk-coordinator").get("/?all=1"),
                )
            ]
            for _ in range(50):  # warm up before the first memory reading
                read_public(None)
            pids = worker_pids(server.pid)
            memory_start = rss_kib(pids)
            stays, lock, tally = [], threading.Lock(), Counter()
            deadline = time.monotonic() + args.seconds
            threads = [
                threading.Thread(target=client, args=(deadline, shelter_ids, stays, lock, tally))
                for _ in range(args.clients)
            ]
            if args.outage:
                midway = (args.seconds - args.outage) / 2
                threads.append(
                    threading.Thread(target=stop_redis_midway, args=(redis, midway, args.outage))
                )
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            memory_end = rss_kib(pids)
            # Let the worker deliver what the last changes raised, and beat's sweeper (every
            # minute) queue what the outage left pending.
            time.sleep(75 if args.outage else 15)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
        print(f"\n{args.clients} clients for {args.seconds} s: {sum(tally.values())} actions")
        for outcome, count in tally.most_common():
            print(f"  {outcome:<14}{count:>8}")
        growth = (memory_end - memory_start) / memory_start * 100
        print(
            f"web workers' memory: {memory_start / 1024:.1f} MiB -> {memory_end / 1024:.1f} MiB "
            f"({growth:+.1f}%, limit +20%)"
        )
        report = run(
            ENV, sys.executable, "manage.py", "shell", "-c", VERIFY, capture_output=True, text=True
        ).stdout
        delivered = report.rsplit("webhook delivery ids:", 1)[1].strip()
        print(report.rsplit("webhook delivery ids:", 1)[0].strip())
        ids = {i for i in delivered.split(",") if i}
        calls = WebhookReceiver.received
        print(
            f"webhook calls: {sum(calls.values())} for {len(ids)} delivered webhook rows; "
            f"ids received more than once: {sum(n > 1 for n in calls.values())}; "
            f"delivered rows never received: {len(ids - set(calls))}"
        )
        hooks.shutdown()


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
