"""Benchmark the public page and API under a crowd (run on demand, not part of the suite).

    uv run python -m tests.bench.bench_public [--seconds 10] [--rounds 5] [--connections 32]

Loads 500 shelters with 5,000 spaces into a fresh PostgreSQL database `shelter_bench`, serves
the app with gunicorn (2 workers, Redis cache), drives `/`, `/api/v1/shelters/` and a bare
Django view with wrk from a second process, and prints requests per second, p50 and p99
latency and the ratio app/floor. Needs PostgreSQL, Redis and wrk (apt-get install wrk).
BENCH_DATABASE, BENCH_REDIS_DB (default 3) and BENCH_PORT (default 8099) choose others.

The public rate limiter counts every anonymous request, the bare view's too. So a second
gunicorn (port + 1) serves the same app without the limiter (BENCH_RATE_LIMIT=off): its bare
view is the floor, and the limiter's own cost shows in the ratios.

On two cores wrk and the server share the CPU, so one run of a path moves by a tenth from
one run to the next. The paths are therefore driven in turn, round after round, and each
figure printed is the median over the rounds (the ratio: the median of each round's ratio).
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request
from http.cookies import SimpleCookie
from statistics import median

from coordination.ratelimit import CLIENT_COOKIE
from tests.bench.server import environment, fresh_database, gunicorn, run

DB = os.environ.get("BENCH_DATABASE", "shelter_bench")
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "3"))
PORT = int(os.environ.get("BENCH_PORT", "8099"))
# wrk's 32 connections all come from 127.0.0.1 and keep no cookies: to the rate limiter each
# request is a new visitor of one address (two counters); asking as a browser does (Accept:
# text/html), a new browser that is given a client id each time; sent with one client id,
# one client (its counter and the address's, the id checked). The limiter stays on, its cost
# part of the figures, with budgets no run reaches.
ENV = environment(
    DB,
    REDIS_DB,
    PUBLIC_RATE_LIMIT_NEW="100000000/m",
    PUBLIC_RATE_LIMIT_ADDRESS="100000000/m",
    PUBLIC_RATE_LIMIT_CLIENT="100000000/m",
)
SEED = """
from shelter.models import Shelter, Space
from django.utils import timezone
now = timezone.now()
shelters = Shelter.objects.bulk_create(
    Shelter(name=f"Shelter {i}", address=f"Street {i}", city="Uralsk", status="open",
            latitude=51.2 + i / 10000, longitude=51.3 + i / 10000, pets_allowed=i % 3 == 0)
    for i in range(500))
Space.objects.bulk_create(
    Space(shelter=s, name=f"Room {j}", places=20, occupied=(i * 7 + j) % 21, counted_at=now)
    for i, s in enumerate(shelters) for j in range(10))
print(Shelter.objects.count(), "shelters,", Space.objects.count(), "spaces")
"""


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def client_cookie(port: int) -> str:
    """A client id the server issued, as a browser would send it back."""
    about = urllib.request.Request(f"http://127.0.0.1:{port}/about/", headers={"Accept": PAGE})
    with urllib.request.urlopen(about, timeout=10) as response:
        morsel = SimpleCookie(response.headers["Set-Cookie"])[CLIENT_COOKIE]
    return f"{CLIENT_COOKIE}={morsel.value}"


PAGE = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # a browser's Accept


def drive(port: int, path: str, seconds: int, connections: int, client: str) -> dict:
    url = f"http://127.0.0.1:{port}{path}"
    for _ in range(5):  # warm the caches and the workers
        urllib.request.urlopen(url, timeout=10).read()
    # as browsers and bots ask: the public pages are served gzipped from the cache
    headers = ["-H", "Accept-Encoding: gzip"]
    if client == "browser":
        headers += ["-H", f"Accept: {PAGE}"]
    elif client == "id":
        headers += ["-H", f"Accept: {PAGE}", "-H", f"Cookie: {client_cookie(port)}"]
    out = subprocess.run(
        [
            shutil.which("wrk"),
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            *headers,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"\s50%\s+(\S+)", out).group(1)),
        "p99": _ms(re.search(r"\s99%\s+(\S+)", out).group(1)),
        "errors": int(errors.group(1)) if errors else 0,
    }


NO_LIMITER_PORT = PORT + 1
# (row, port, path, client: "" as wrk asks, "browser" new each time, "id" one client id);
# the first is the floor
RUNS = [
    ("bare view, no limiter", NO_LIMITER_PORT, "/bench/floor/", ""),
    ("/", PORT, "/", ""),
    ("/, new browsers", PORT, "/", "browser"),
    ("/, one client id", PORT, "/", "id"),
    ("/api/v1/shelters/", PORT, "/api/v1/shelters/", ""),
    ("/, no limiter", NO_LIMITER_PORT, "/", ""),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    rounds = []
    with tempfile.TemporaryDirectory() as static_root:
        fresh_database(ENV, DB, REDIS_DB, static_root)
        run(ENV, sys.executable, "manage.py", "shell", "-c", SEED)
        servers = [
            gunicorn(ENV, PORT),
            gunicorn({**ENV, "BENCH_RATE_LIMIT": "off"}, NO_LIMITER_PORT),
        ]
        try:
            for _ in range(args.rounds):
                rounds.append(
                    {
                        row: drive(port, path, args.seconds, args.connections, client)
                        for row, port, path, client in RUNS
                    }
                )
        finally:
            for server in servers:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
    print(
        f"\n{args.connections} clients, {args.rounds} rounds of {args.seconds} s per path, "
        "gunicorn 2 workers, 500 shelters; medians over the rounds"
    )
    floor = RUNS[0][0]
    print(f"{'path':<24}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>9}{'app/floor':>11}")
    for row, *_ in RUNS:
        runs = [r[row] for r in rounds]
        ratio = median(r[row]["rps"] / r[floor]["rps"] for r in rounds)
        print(
            f"{row:<24}{median(x['rps'] for x in runs):>10.0f}"
            f"{median(x['p50'] for x in runs):>10.2f}{median(x['p99'] for x in runs):>10.2f}"
            f"{sum(x['errors'] for x in runs):>9}{ratio:>11.2f}"
        )
    print(
        "ratio per round:",
        {row: [round(r[row]["rps"] / r[floor]["rps"], 2) for r in rounds] for row, *_ in RUNS[1:]},
    )


if __name__ == "__main__":
    main()
