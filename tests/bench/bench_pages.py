"""Benchmark every logged-in page volunteers and coordinators use, at city scale.

    uv run python -m tests.bench.bench_pages [--runs 30] [--keep]

Loads the city of tests/bench/bench_dashboard.py (500 shelters, 5,000 spaces, 100,000
households, 3,000 meal offers) into a fresh PostgreSQL database `shelter_pages_bench`, with
a volunteer of 20 shelters, a meal provider, holds, stays and open alerts on top, and a copy
of it with 1,000,000 occupancy events over 30 days (`shelter_pages_bench_1m`). Both get
VACUUM ANALYZE (what autovacuum keeps up in production). Then every page is rendered in this
process with Django's test client (DEBUG off), first in the city without history, then in
the one with it, and the median and worst render time and the number of queries of each are
printed next to the target. `--keep` reuses the databases of an earlier run.

`run(runs=..., keep=...)` returns the figures as a list of dicts, for a combined benchmark.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.bench import bench_dashboard  # noqa: E402  (sets its own environment: ours follows)

DB = os.environ.get("BENCH_PAGES_DB", "shelter_pages_bench")
DB_HISTORY = DB + "_1m"
os.environ.update(
    {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
        "DEBUG": "false",
        "SECRET_KEY": "benchmark-only-" + "x" * 40,
        "DJANGO_SETTINGS_MODULE": "tests.bench.settings",
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "false",  # in-process over plain "HTTP": nothing to redirect to
    }
)
os.environ.pop("REDIS_URL", None)  # these pages read no cache; keep the run self-contained

VOLUNTEER_SHELTERS = 20
TARGET_MS = 10.0
DASHBOARD_TARGET_MS = {False: 20.0, True: 60.0}  # without history, with 1M events


def _admin_connection(dbname: str = "postgres"):
    import psycopg2

    connection = psycopg2.connect(dbname=dbname, user="postgres", host="127.0.0.1", port=5432)
    connection.autocommit = True
    return connection


def _admin(*statements: str) -> list:
    """Run statements outside any transaction (CREATE/DROP DATABASE); the last one's rows."""
    admin = _admin_connection()
    try:
        with admin.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            return cursor.fetchall() if cursor.description else []
    finally:
        admin.close()


def _exists(name: str) -> bool:
    return bool(_admin(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"))  # noqa: S608


def _use(name: str) -> None:
    """Point Django's default connection at another database (closed first)."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


def _vacuum(name: str) -> None:
    admin = _admin_connection(name)
    with admin.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    admin.close()


def _seed_people() -> None:
    """The users whose pages are measured, and what their pages show (through the services)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from coordination.alerts.services import alerts_check_stale, alerts_evaluate_city
    from coordination.households import services as households
    from coordination.meals.models import MealProvider, MealProviderMember
    from coordination.models import Household
    from shelter.models import MembershipRole, Shelter, ShelterMembership

    users = get_user_model().objects
    coordinator = users.create(username="bench-coordinator", is_staff=True)
    coordinator.groups.add(Group.objects.get(name="Coordinator"))
    volunteer = users.create(username="bench-volunteer")
    volunteer.groups.add(Group.objects.get(name="Volunteer"))
    provider_user = users.create(username="bench-provider")
    provider_user.groups.add(Group.objects.get(name="Meal provider"))
    MealProviderMember.objects.create(
        provider=MealProvider.objects.order_by("pk").first(), user=provider_user
    )
    shelters = list(Shelter.objects.filter(status="open").order_by("pk")[:VOLUNTEER_SHELTERS])
    ShelterMembership.objects.bulk_create(
        ShelterMembership(shelter=s, user=volunteer, role=MembershipRole.VOLUNTEER)
        for s in shelters
    )
    # On the first shelter: households on their way, a few who left just now (undo), one
    # staying (its household page), so every section of the page has rows.
    home = shelters[0]
    spaces = list(home.spaces.order_by("pk"))
    waiting = list(Household.objects.filter(status="waiting", size__lte=2).order_by("pk")[:12])
    for number, household in enumerate(waiting[:5]):
        households.hold_create(
            household_id=household.pk, space_id=spaces[number].pk, by=coordinator
        )
    for number, household in enumerate(waiting[5:]):
        stay = households.stay_check_in(
            household_id=household.pk, space_id=spaces[number].pk, by=volunteer
        )
        if number < 4:
            households.stay_check_out(stay_id=stay.pk, by=volunteer)
    alerts_check_stale()
    for city in ("Uralsk", "Aktobe", "Atyrau"):
        alerts_evaluate_city(city=city)


def prepare(*, keep: bool = False) -> None:
    """Both databases, loaded; with `keep`, those of an earlier run when they exist."""
    if keep and _exists(DB) and _exists(DB_HISTORY):
        return
    from django.core.management import call_command
    from django.db import connection

    _admin(f"DROP DATABASE IF EXISTS {DB_HISTORY}", f"DROP DATABASE IF EXISTS {DB}")
    _admin(f"CREATE DATABASE {DB}")
    started = time.monotonic()
    _use(DB)
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(bench_dashboard.CITY_SQL + bench_dashboard.MORE_SQL)
    _seed_people()
    connection.close()
    _admin(f"CREATE DATABASE {DB_HISTORY} TEMPLATE {DB}")
    _use(DB_HISTORY)
    with connection.cursor() as cursor:
        cursor.execute(bench_dashboard.EVENTS_SQL)
    connection.close()
    for name in (DB, DB_HISTORY):
        _vacuum(name)
    print(f"loaded in {time.monotonic() - started:.0f} s")


def _pages() -> list[tuple[str, str, str]]:
    """(page, user, url) for every page measured."""
    from django.urls import reverse

    from coordination.models import Household, Stay
    from shelter.models import Shelter

    home = Shelter.objects.filter(memberships__user__username="bench-volunteer").order_by("pk")[0]
    waiting = Household.objects.filter(status="waiting").order_by("pk").first()
    staying = Stay.objects.filter(checked_out_at__isnull=True).order_by("pk").first().household
    return [
        ("my shelters (20)", "bench-volunteer", reverse("shelter:mine")),
        ("bed count page", "bench-volunteer", reverse("shelter:detail", args=[home.pk])),
        ("waiting list", "bench-coordinator", reverse("coordination:waiting")),
        ("waiting list (volunteer)", "bench-volunteer", reverse("coordination:waiting")),
        (
            "find a place",
            "bench-coordinator",
            reverse("coordination:find_place", args=[waiting.pk]),
        ),
        ("household", "bench-volunteer", reverse("coordination:household", args=[staying.pk])),
        ("meals (volunteer)", "bench-volunteer", reverse("coordination:meals")),
        ("meals (provider)", "bench-provider", reverse("coordination:meals_mine")),
        ("dashboard", "bench-coordinator", reverse("coordination:dashboard")),
        (
            "dashboard: a shelter",
            "bench-coordinator",
            reverse("coordination:dashboard_shelter", args=[home.pk]),
        ),
        ("alerts", "bench-coordinator", reverse("coordination:alerts")),
    ]


def _measure(client, url: str, runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm: templates compiled, connection open, caches of the ORM filled
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            body = b"".join(response) if response.streaming else response.content
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return {
        "median_ms": statistics.median(times),
        "worst_ms": max(times),
        "queries": len(queries),
        "kb": len(body) / 1024,
    }


def _setup() -> None:
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    from django.test import override_settings

    # Hashed static names need collectstatic; the page's work is the same without them.
    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()


def run(*, runs: int = 30, keep: bool = False) -> list[dict]:
    """Every page in the city without history, then with 1M events: one dict per render set
    (page, history, median_ms, worst_ms, queries, kb, target_ms)."""
    _setup()
    prepare(keep=keep)
    from django.contrib.auth import get_user_model
    from django.test import Client

    rows = []
    for history, name in ((False, DB), (True, DB_HISTORY)):
        _use(name)
        clients = {}
        for page, username, url in _pages():
            if username not in clients:
                clients[username] = Client()
                clients[username].force_login(get_user_model().objects.get(username=username))
            target = DASHBOARD_TARGET_MS[history] if page == "dashboard" else TARGET_MS
            figures = _measure(clients[username], url, runs)
            rows.append({"page": page, "history": history, "target_ms": target, **figures})
    _use(DB)
    return rows


def print_table(rows: list[dict], runs: int) -> None:
    print(f"\n{runs} renders each after warm-up, in-process (DEBUG off), 500 shelters x 10 spaces")
    header = f"{'page':<28}{'history':>9}{'median ms':>11}{'worst ms':>10}{'target':>8}"
    print(header + f"{'queries':>9}{'KB':>6}")
    for row in rows:
        history = "1M" if row["history"] else "none"
        met = "" if row["median_ms"] < row["target_ms"] else "  over"
        print(
            f"{row['page']:<28}{history:>9}{row['median_ms']:>11.1f}{row['worst_ms']:>10.1f}"
            f"{'< ' + format(row['target_ms'], 'g'):>8}{row['queries']:>9}{row['kb']:>6.0f}{met}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="reuse the loaded databases")
    args = parser.parse_args()
    print_table(run(runs=args.runs, keep=args.keep), args.runs)


if __name__ == "__main__":
    main()
