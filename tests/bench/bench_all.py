"""Every speed figure of the README in one run, each with its ratio to the framework's floor.

    uv run python -m tests.bench.bench_all [--seconds 8] [--rounds 3] [--connections 32]
        [--pages-runs 20] [--keep-pages] [--skip-pages] [--skip-slow3g]

Loads 500 shelters with 10 spaces each into a fresh PostgreSQL database `shelter_bench_all`,
serves the app with gunicorn (2 workers, Redis cache, a real Celery worker beside it) and
drives, round after round, each path in turn (so a busy moment of the machine hits every
path alike; each figure printed is the median over the rounds, each ratio the median of the
rounds' ratios):

- the public floor (a bare view, on a second gunicorn without the rate limiter), `/` and
  `/api/v1/shelters/` (wrk, gzip, as browsers and bots ask);
- the logged-in floor (a bare view behind the same login, session and middleware making one
  query), `/shelters/mine/` of a volunteer of 20 shelters, that volunteer's bed-count page and
  the coordinator's `/dashboard/` (wrk with the session cookie);
- the bed-count cycle: 32 clients (2 processes of 16 threads), each GETs its bed-count page
  and POSTs it back with one row changed, first each on its own shelter, then all 32 on one
  shelter. Meanwhile a probe changes a 20-place space between 95% and 50% taken twice a
  second and times each change until the worker's webhook has arrived (alert latency).

After the run: overbooked spaces (more people than places: must be 0) and history rows per
accepted save (must be the rows of the form: each save applied once). Targets: logged-in
pages at least 0.5 of the logged-in floor (dashboard 0.25), public pages 0.8 of the public
floor in every round, bed-count cycles 150/s on different shelters and 100/s on one, alert
latency p95 under 2 s. BENCH_DATABASE, BENCH_REDIS_DB (default 4) and BENCH_PORT (default
8097) choose others. Needs PostgreSQL, Redis and wrk (apt-get install wrk).

Then, each in its own process, tests/bench/bench_pages.py (every logged-in page rendered
alone in-process at 500 shelters, without and with 1,000,000 history events: render time and
queries against the targets) and tests/bench/bench_slow3g.py (first load of every volunteer
page in Chromium on emulated slow 3G: bytes and seconds).
"""

import argparse
import gzip
import http.client
import multiprocessing
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from statistics import median, quantiles

from tests.bench.bench_public import drive as drive_public
from tests.bench.server import ROOT, environment, fresh_database, gunicorn

DB = os.environ.get("BENCH_DATABASE", "shelter_bench_all")
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "4"))
PORT = int(os.environ.get("BENCH_PORT", "8097"))
NO_LIMITER_PORT = PORT + 1
ENV = environment(
    DB,
    REDIS_DB,
    PUBLIC_RATE_LIMIT_NEW="100000000/m",
    PUBLIC_RATE_LIMIT_ADDRESS="100000000/m",
    PUBLIC_RATE_LIMIT_CLIENT="100000000/m",
    CONN_MAX_AGE="60",
)
SHELTERS, SPACES_EACH, CLIENTS = 500, 10, 32
SECRET = "bench-secret"


# --- The city --------------------------------------------------------------------------------


def seed(webhook_url: str) -> dict:
    """500 shelters, the people who use them and their sessions; returns what the runs need."""
    from django.contrib.auth.models import Group, User
    from django.test import Client
    from django.utils import timezone

    from coordination.alerts.recipients import Webhook
    from shelter.models import Shelter, ShelterMembership, Space

    now = timezone.now()
    shelters = Shelter.objects.bulk_create(
        Shelter(
            name=f"Shelter {i}",
            address=f"Street {i}",
            city="Uralsk",
            district=f"District {i % 7}",
            status="open",
            latitude=51.2 + i / 10000,
            longitude=51.3 + i / 10000,
            pets_allowed=i % 3 == 0,
        )
        for i in range(SHELTERS)
    )
    Space.objects.bulk_create(
        Space(shelter=s, name=f"Room {j}", places=20, occupied=(i * 7 + j) % 11, counted_at=now)
        for i, s in enumerate(shelters)
        for j in range(SPACES_EACH)
    )
    # The probe: alone in its city, so its alerts are its own.
    probe = Shelter.objects.create(name="Probe", address="-", city="Probe city", status="open")
    probe_space = Space.objects.create(shelter=probe, name="Hall", places=20)
    Space.objects.create(
        shelter=Shelter.objects.create(name="Big", address="-", city="Probe city"),
        name="Hall",
        places=1000,  # the probe's city never runs low: one alert per change
    )
    webhook = Webhook.objects.create(
        name="probe", url=webhook_url, secret=SECRET, city="Probe city"
    )
    webhook.shelters.add(probe)

    def session(user) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    coordinator = User.objects.create_user("bench-coordinator")
    coordinator.groups.add(Group.objects.get(name="Coordinator"))
    volunteers = [User.objects.create_user(f"bench-volunteer-{i}") for i in range(CLIENTS + 1)]
    volunteer_group = Group.objects.get(name="Volunteer")
    for user in volunteers:
        user.groups.add(volunteer_group)
    memberships = [ShelterMembership(shelter=s, user=volunteers[0]) for s in shelters[:20]]
    for i, user in enumerate(volunteers[1:]):  # own shelter, and the crowded one (shelters[0])
        memberships.append(ShelterMembership(shelter=shelters[100 + i], user=user))
        memberships.append(ShelterMembership(shelter=shelters[0], user=user))
    memberships.append(ShelterMembership(shelter=probe, user=volunteers[0]))
    ShelterMembership.objects.bulk_create(memberships)
    return {
        "coordinator": session(coordinator),
        "volunteer_of_20": session(volunteers[0]),
        "first_of_20": shelters[0].pk,
        "cyclists": [session(user) for user in volunteers[1:]],
        "own_shelters": [shelters[100 + i].pk for i in range(CLIENTS)],
        "crowded": shelters[0].pk,
        "probe": probe.pk,
        "probe_space": probe_space.pk,
    }


# --- A volunteer's bed count, as a phone does it -----------------------------------------------

HIDDEN = re.compile(
    r'name="(space-\d+-seen_(?:places|occupied)|submission|csrfmiddlewaretoken)"'
    r'[^>]*?value="([^"]*)"'
)
HIDDEN_REVERSED = re.compile(
    r'value="([^"]*)"[^>]*?name="(space-\d+-seen_(?:places|occupied)|'
    r'submission|csrfmiddlewaretoken)"'
)


class Phone:
    """One volunteer's browser: a kept-alive connection, its cookies, gzip."""

    def __init__(self, port: int, session: str):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies = {"sessionid": session}

    def reconnect(self) -> "Phone":
        self.connection.close()
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        return self

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
        headers = {
            "Accept-Encoding": "gzip",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1{path}"
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        raw = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _eq, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        if response.getheader("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        return response.status, raw.decode("utf-8", "replace")

    def count_once(self, shelter_id: int, index: int) -> bool:
        """GET the bed count and POST it with its first row changed; True when saved."""
        path = f"/shelters/{shelter_id}/"
        status, page = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status}")
        form = {k: v for k, v in HIDDEN.findall(page)}
        form |= {k: v for v, k in HIDDEN_REVERSED.findall(page)}
        first = True
        for key in sorted(k for k in form if k.endswith("-seen_occupied")):
            prefix = key.removesuffix("-seen_occupied")
            seen = int(form[key])
            form[f"{prefix}-places"] = form[f"{prefix}-seen_places"]
            # one row moves by one person, up and down, away from its limits
            form[f"{prefix}-occupied"] = str(seen + (1 if seen < 10 else -1) if first else seen)
            first = False
        status, _page = self.request("POST", path, form)
        return status == 302


def _cyclist(port, session, shelter_id, deadline, results, index):
    phone = Phone(port, session)
    saved = refused = 0
    while time.monotonic() < deadline:
        try:
            if phone.count_once(shelter_id, saved + refused):
                saved += 1
            else:
                refused += 1
        except (OSError, http.client.HTTPException, RuntimeError):
            refused += 1  # a dropped connection or an error page: counted, not saved
            phone.reconnect()
    results[index] = (saved, refused)


def _cycle_process(port, sessions, shelters, seconds, queue):
    deadline = time.monotonic() + seconds
    results = [None] * len(sessions)
    threads = [
        threading.Thread(target=_cyclist, args=(port, s, sh, deadline, results, i))
        for i, (s, sh) in enumerate(zip(sessions, shelters, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    used = resource.getrusage(resource.RUSAGE_SELF)
    queue.put(([r for r in results if r is not None], used.ru_utime + used.ru_stime))


def _cpu_by_family(roots: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds used so far by each family of processes: the processes in `roots` with
    their children (the web servers, the Celery worker), and the PostgreSQL backends serving
    the bench database (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents, cpu, database = {}, {}, {}
    for pid in map(int, filter(str.isdigit, os.listdir("/proc"))):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                command = cmdline.read().decode(errors="replace")
        except OSError:  # ended meanwhile
            continue
        parents[pid] = int(fields[1])
        cpu[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
        database[pid] = command.startswith("postgres:") and f" {DB} " in command

    def family_of(pid: int) -> str | None:
        while pid > 1:
            for family, pids in roots.items():
                if pid in pids:
                    return family
            pid = parents.get(pid, 1)
        return None

    used = dict.fromkeys([*roots, "PostgreSQL"], 0.0)
    for pid, seconds in cpu.items():
        family = "PostgreSQL" if database[pid] else family_of(pid)
        if family is not None:
            used[family] += seconds
    return used


def drive_cycles(
    port: int, sessions: list[str], shelters: list[int], seconds: int, roots: dict
) -> dict:
    """Bed-count cycles per second by len(sessions) clients in 2 processes, and the CPU
    time per save of each family of `roots` (_cpu_by_family), PostgreSQL and the clients."""
    queue = multiprocessing.Queue()
    half = len(sessions) // 2
    parts = [(sessions[:half], shelters[:half]), (sessions[half:], shelters[half:])]
    before = _cpu_by_family(roots)
    started = time.monotonic()
    processes = [
        multiprocessing.Process(target=_cycle_process, args=(port, s, sh, seconds, queue))
        for s, sh in parts
    ]
    for process in processes:
        process.start()
    answers = [queue.get(timeout=seconds + 120) for _ in processes]
    for process in processes:
        process.join()
    elapsed = time.monotonic() - started
    time.sleep(1)  # the worker finishes what the last saves queued
    after = _cpu_by_family(roots)
    results = [r for rows, _cpu in answers for r in rows]
    saved = sum(r[0] for r in results)
    cpu = {family: after[family] - before[family] for family in after}
    cpu["clients"] = sum(client_cpu for _rows, client_cpu in answers)
    return {
        "rps": saved / elapsed,
        "saved": saved,
        "refused": sum(r[1] for r in results),
        "cpu_ms_per_save": {family: 1000 * used / max(saved, 1) for family, used in cpu.items()},
        "cpu_share": sum(cpu.values()) / (elapsed * (os.cpu_count() or 1)),
    }


# --- The alert probe -------------------------------------------------------------------------


class Probe(threading.Thread):
    """Twice a second, a change that raises one alert; the time until its webhook arrives."""

    def __init__(self, port: int, session: str, shelter_id: int, server):
        super().__init__(daemon=True)
        self.phone = Phone(port, session)
        self.shelter_id, self.server = shelter_id, server
        self.latencies: list[float] = []
        self.missing = 0
        self.running = threading.Event()
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            if not self.running.wait(0.2):
                continue
            path = f"/shelters/{self.shelter_id}/"
            _status, page = self.phone.request("GET", path)
            form = {k: v for k, v in HIDDEN.findall(page)}
            form |= {k: v for v, k in HIDDEN_REVERSED.findall(page)}
            (key,) = [k for k in form if k.endswith("-seen_occupied")]
            prefix = key.removesuffix("-seen_occupied")
            target = 19 if int(form[key]) < 15 else 10  # 95% (nearly full) / 50% (room again)
            form[f"{prefix}-places"] = form[f"{prefix}-seen_places"]
            form[f"{prefix}-occupied"] = target
            before = len(self.server.received)
            started = time.monotonic()
            status, _page = self.phone.request("POST", path, form)
            if status != 302:
                continue
            # the first webhook after the change: its alert (the probe's city has no other)
            received = self.server.wait_for(before + 1, timeout=10)
            if len(received) <= before:
                self.missing += 1
            else:
                self.latencies.append(received[before].at - started)
            time.sleep(max(0.0, 0.5 - (time.monotonic() - started)))


# --- The run ---------------------------------------------------------------------------------


def _wrk(port, path, seconds, connections, cookie="") -> dict:
    if not cookie:
        return drive_public(port, path, seconds, connections, "")
    # drive_public's wrk, with the session cookie of a logged-in volunteer or coordinator
    out = subprocess.run(
        [
            shutil.which("wrk"),
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            "Accept-Encoding: gzip",
            "-H",
            f"Cookie: sessionid={cookie}",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    from tests.bench.bench_public import _ms

    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"\s50%\s+(\S+)", out).group(1)),
        "p99": _ms(re.search(r"\s99%\s+(\S+)", out).group(1)),
        "errors": int(errors.group(1)) if errors else 0,
    }


def _checks() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM shelter_space WHERE occupied + held + blocked > places"
        )
        overbooked = cursor.fetchone()[0]
        # each accepted save writes one history row per row of its form (10), once
        cursor.execute(
            "SELECT count(*), count(DISTINCT submission) FROM shelter_occupancyevent "
            "WHERE reason = 'count' AND shelter_id IN "
            "(SELECT id FROM shelter_shelter WHERE city = 'Uralsk')"
        )
        rows, saves = cursor.fetchone()
    return {"overbooked": overbooked, "history_rows": rows, "saves": saves}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--pages-runs", type=int, default=20, help="renders of each page")
    parser.add_argument("--keep-pages", action="store_true", help="reuse bench_pages' databases")
    parser.add_argument("--skip-pages", action="store_true", help="no in-process render times")
    parser.add_argument("--skip-slow3g", action="store_true", help="no slow-3G first loads")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    sys.path.insert(0, str(ROOT))
    os.environ.update(ENV)  # this process reads the bench database too (seed, checks)
    import django

    django.setup()
    from tests.coordination.alert_helpers import WebhookServer

    with tempfile.TemporaryDirectory() as static_root, WebhookServer() as webhook:
        fresh_database(ENV, DB, REDIS_DB, static_root)
        city = seed(webhook.url)
        from django.db import connection

        connection.close()  # the servers' connections only, while they run
        servers = [
            gunicorn(ENV, PORT),
            gunicorn({**ENV, "BENCH_RATE_LIMIT": "off"}, NO_LIMITER_PORT),
        ]
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "coordination",
                "worker",
                "--loglevel",
                "WARNING",
                "--concurrency",
                "2",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=ROOT,
            env=ENV,
        )
        roots = {"web": [servers[0].pid], "worker": [worker.pid]}  # whose CPU the cycles use
        probe = Probe(PORT, city["volunteer_of_20"], city["probe"], webhook)
        probe.start()
        wrk_runs = [
            ("public floor (bare view)", NO_LIMITER_PORT, "/bench/floor/", ""),
            ("/", PORT, "/", ""),
            ("/api/v1/shelters/", PORT, "/api/v1/shelters/", ""),
            ("logged-in floor", PORT, "/bench/floor/logged-in/", city["volunteer_of_20"]),
            ("/shelters/mine/ (20)", PORT, "/shelters/mine/", city["volunteer_of_20"]),
            (
                "bed-count page (GET)",
                PORT,
                f"/shelters/{city['first_of_20']}/",
                city["volunteer_of_20"],
            ),
            ("/dashboard/", PORT, "/dashboard/", city["coordinator"]),
        ]
        rounds = []
        try:
            time.sleep(3)  # the worker starts
            for _ in range(args.rounds):
                figures = {
                    row: _wrk(port, path, args.seconds, args.connections, cookie)
                    for row, port, path, cookie in wrk_runs
                }
                probe.running.set()
                figures["cycle, 32 shelters"] = drive_cycles(
                    PORT, city["cyclists"], city["own_shelters"], args.seconds, roots
                )
                figures["cycle, one shelter"] = drive_cycles(
                    PORT, city["cyclists"], [city["crowded"]] * CLIENTS, args.seconds, roots
                )
                probe.running.clear()
                rounds.append(figures)
        finally:
            probe.stopped.set()
            for server in servers:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
            worker.terminate()
            worker.wait(timeout=30)
        checks = _checks()
    _report(args, rounds, probe, checks)
    # The other two benchmarks, each in its own process (each sets up its own database).
    if not args.skip_pages:
        print("\nEvery logged-in page rendered alone, in-process (tests/bench/bench_pages.py):")
        pages = [sys.executable, "-m", "tests.bench.bench_pages", "--runs", str(args.pages_runs)]
        subprocess.run([*pages, *(["--keep"] if args.keep_pages else [])], cwd=ROOT, check=True)
    if not args.skip_slow3g:
        print("\nFirst loads on emulated slow 3G, in the demo (tests/bench/bench_slow3g.py):")
        subprocess.run([sys.executable, "-m", "tests.bench.bench_slow3g"], cwd=ROOT, check=True)


FLOORS = {
    "/": ("public floor (bare view)", 0.8),
    "/api/v1/shelters/": ("public floor (bare view)", 0.8),
    "/shelters/mine/ (20)": ("logged-in floor", 0.5),
    "bed-count page (GET)": ("logged-in floor", 0.5),
    "/dashboard/": ("logged-in floor", 0.25),
}
CYCLE_TARGETS = {"cycle, 32 shelters": 150, "cycle, one shelter": 100}


def _report(args, rounds, probe, checks) -> None:
    print(
        f"\n{args.connections} clients, {args.rounds} interleaved rounds of {args.seconds} s per "
        f"path, gunicorn 2 workers + a Celery worker, {SHELTERS} shelters x {SPACES_EACH} "
        "spaces; medians over the rounds"
    )
    print(
        f"{'path':<26}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}"
        f"{'ratio':>8}{'target':>8}  per round"
    )
    for row in rounds[0]:
        runs = [r[row] for r in rounds]
        rps = median(x["rps"] for x in runs)
        if row in CYCLE_TARGETS:
            refused = sum(x["refused"] for x in runs)
            print(
                f"{row:<26}{rps:>9.0f}{'':>9}{'':>9}{refused:>9}{'':>8}"
                f"{CYCLE_TARGETS[row]:>7}/s  saves/s {[round(x['rps']) for x in runs]}"
            )
            per_save = {
                family: median(x["cpu_ms_per_save"][family] for x in runs)
                for family in runs[0]["cpu_ms_per_save"]
            }
            print(
                f"{'':<26}CPU ms per save: "
                + ", ".join(f"{family} {ms:.1f}" for family, ms in per_save.items())
                + f"; the machine's cores {median(x['cpu_share'] for x in runs):.0%} busy"
            )
            continue
        line = (
            f"{row:<26}{rps:>9.0f}{median(x['p50'] for x in runs):>9.2f}"
            f"{median(x['p99'] for x in runs):>9.2f}{sum(x['errors'] for x in runs):>9}"
        )
        if row in FLOORS:
            floor, target = FLOORS[row]
            ratios = [r[row]["rps"] / r[floor]["rps"] for r in rounds]
            line += f"{median(ratios):>8.2f}{target:>8.2f}  {[round(x, 2) for x in ratios]}"
        print(line)
    if probe.latencies:
        cuts = quantiles(probe.latencies, n=100, method="inclusive")
        print(
            f"alert latency during the cycles (change -> webhook received), "
            f"{len(probe.latencies)} alerts: p50 {cuts[49] * 1000:.0f} ms, "
            f"p95 {cuts[94] * 1000:.0f} ms (target < 2000), {probe.missing} not within 10 s"
        )
    print(
        f"after the run: {checks['overbooked']} overbooked spaces (target 0); "
        f"{checks['saves']} saves wrote {checks['history_rows']} history rows "
        f"({checks['history_rows'] / max(checks['saves'], 1):.1f} per save, "
        f"{SPACES_EACH} rows in each form)"
    )


if __name__ == "__main__":
    main()
