"""A crowd behind one address, and a client hammering (run on demand, not part of the suite).

    uv run python -m tests.bench.bench_crowd

Serves the app with gunicorn (2 workers, Redis, the default budgets of the public rate limit,
behind one trusted proxy so that X-Forwarded-For says which address a request comes from) and
drives it from this process, all within one minute:

1. 2,000 loads of `/` from one address, each a new phone's browser without cookies: all
   must be 200.
   Then 1,500 more new visitors from that address: the new-visitor budget (3,000 a minute)
   is shared by both workers, so about 3,000 are served in all, not 3,000 per worker.
2. From a second address, one client keeping its cookie asks 100 times a second for 10 s
   while new visitors from the same address come 5 times a second: the client is refused
   after its budget (120 a minute), the neighbours are all served.

Needs PostgreSQL and Redis; the database `shelter_crowd` (BENCH_DATABASE) is dropped and made
again, Redis database 4 (BENCH_REDIS_DB) emptied, the server listens on 8095 (BENCH_PORT).
Exits with 1 if a target is missed.
"""

import http.client
import os
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie

from coordination.ratelimit import CLIENT_COOKIE
from tests.bench.bench_public import SEED
from tests.bench.server import environment, fresh_database, gunicorn, run

DB = os.environ.get("BENCH_DATABASE", "shelter_crowd")
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "4"))
PORT = int(os.environ.get("BENCH_PORT", "8095"))
ENV = environment(DB, REDIS_DB, TRUSTED_PROXY_COUNT="1")  # the budgets stay the defaults
CROSSING = "100.64.0.1"  # carrier-grade NAT addresses
OTHER = "100.64.0.2"
CLIENT_BUDGET, NEW_BUDGET = 120, 3000  # the defaults (coordination/settings.py)
PAGE = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # as browsers ask


def get(address: str, cookie: str = "") -> tuple[int, str, str]:
    """GET / from `address`: status, Retry-After and the client id the server issued."""
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    headers = {"X-Forwarded-For": address, "Accept-Encoding": "gzip", "Accept": PAGE}
    if cookie:
        headers["Cookie"] = f"{CLIENT_COOKIE}={cookie}"
    try:
        connection.request("GET", "/", headers=headers)
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    issued = SimpleCookie(response.getheader("Set-Cookie", ""))
    new_id = issued[CLIENT_COOKIE].value if CLIENT_COOKIE in issued else ""
    return response.status, response.getheader("Retry-After", ""), new_id


def crowd(count: int) -> tuple[list[int], float]:
    """`count` new visitors from the crossing's address, 16 at a time; statuses and seconds."""
    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        statuses = [status for status, _, _ in pool.map(lambda _: get(CROSSING), range(count))]
    return statuses, time.monotonic() - started


def hammer(seconds: float, rate: int, results: list) -> None:
    """One client keeping its cookie, `rate` requests a second: (time, status, Retry-After)."""
    cookie = ""
    started = time.monotonic()
    for index in range(int(seconds * rate)):
        time.sleep(max(0.0, started + index / rate - time.monotonic()))
        status, retry_after, issued = get(OTHER, cookie)
        cookie = cookie or issued
        results.append((time.monotonic() - started, status, retry_after))


def neighbours(seconds: float, rate: int, statuses: list) -> None:
    started = time.monotonic()
    for index in range(int(seconds * rate)):
        time.sleep(max(0.0, started + index / rate - time.monotonic()))
        statuses.append(get(OTHER)[0])


def main() -> None:
    with tempfile.TemporaryDirectory() as static_root:
        fresh_database(ENV, DB, REDIS_DB, static_root)
        run(ENV, sys.executable, "manage.py", "shell", "-c", SEED)
        server = gunicorn(ENV, PORT)
        try:
            figures = drive()
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    report(*figures)


def drive():
    second = time.time() % 60
    if second > 40:  # everything below must fall into one minute: wait for the next
        print(f"waiting {60 - second:.0f} s for a new minute")
        time.sleep(60 - second + 0.5)
    first, first_seconds = crowd(2000)
    more, more_seconds = crowd(1500)
    hits, next_door = [], []
    threads = [
        threading.Thread(target=hammer, args=(10, 100, hits)),
        threading.Thread(target=neighbours, args=(10, 5, next_door)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return first, first_seconds, more, more_seconds, hits, next_door


def report(first, first_seconds, more, more_seconds, hits, next_door) -> None:
    served = first.count(200) + more.count(200)
    print(
        f"\n1. {len(first):,} new visitors from {CROSSING} in {first_seconds:.1f} s "
        f"({len(first) / first_seconds:,.0f} a second): {first.count(200):,} served, "
        f"{first.count(429):,} refused"
    )
    print(
        f"   {len(more):,} more in {more_seconds:.1f} s: {more.count(200):,} served, "
        f"{more.count(429):,} refused; {served:,} served in all against a new-visitor "
        f"budget of {NEW_BUDGET:,} a minute on 2 workers"
    )
    refused = [(at, retry) for at, status, retry in hits if status == 429]
    hammer_served = sum(status == 200 for _, status, _ in hits)
    first_refusal = f"{refused[0][0]:.2f} s, Retry-After {refused[0][1]} s" if refused else "-"
    print(
        f"2. one client with its cookie, {len(hits):,} requests at 100 a second for "
        f"{hits[-1][0]:.1f} s: {hammer_served:,} served (budget {CLIENT_BUDGET} a minute, plus "
        f"its first load as a new visitor), {len(refused):,} refused; first refusal after "
        f"{first_refusal}"
    )
    print(
        f"   new visitors from {OTHER} meanwhile, 5 a second: {next_door.count(200)} of "
        f"{len(next_door)} served"
    )
    missed = []
    if first.count(200) != len(first):
        missed.append("not every one of the 2,000 new visitors was served")
    if not NEW_BUDGET <= served < 2 * NEW_BUDGET:
        missed.append("the new-visitor budget was not shared by the workers")
    if not CLIENT_BUDGET < hammer_served < 2 * CLIENT_BUDGET or not refused:
        missed.append("the hammering client was not held to one budget")
    if next_door.count(200) != len(next_door):
        missed.append("a neighbour of the hammering client was refused")
    for reason in missed:
        print("MISSED:", reason)
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
