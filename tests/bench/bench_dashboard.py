"""Benchmark the coordinators' dashboard at city scale (run on demand, not part of the suite).

    uv run python tests/bench/bench_dashboard.py [--runs 20] [--keep]

Loads 500 shelters, 5,000 spaces, 100,000 households and 1,000,000 occupancy events (spread
over 30 days: about 230,000 in the last week) into a fresh PostgreSQL database
`shelter_dash_bench` with SQL generate_series, runs VACUUM ANALYZE (what autovacuum keeps up
in production), then renders the dashboard and the admin's large lists in this process with
Django's test client (DEBUG off) and prints the median and worst render time and the number
of queries of each. `--keep` reuses the loaded database of an earlier run.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DB = "shelter_dash_bench"
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
os.environ.pop("REDIS_URL", None)  # the dashboard reads no cache; keep the run self-contained
sys.path.insert(0, str(ROOT))

SHELTERS, SPACES_EACH, HOUSEHOLDS, EVENTS, EVENT_DAYS = 500, 10, 100_000, 1_000_000, 30

# Deterministic pseudo-random numbers from the row number: every run loads the same city.
# (Formatted with this file's own constants only.) The occupancy history is loaded apart
# (EVENTS_SQL) so that tests/bench/bench_pages.py can measure a city with no history too.
CITY_SQL = f"""
INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
                       is_staff, is_active, date_joined)
SELECT '!', false, 'volunteer' || g, '', '', '', false, true, now()
FROM generate_series(1, 300) g;

INSERT INTO shelter_shelter (name, kind, address, city, district, latitude, longitude, host,
    phone, accepts_families, women_children_only, men_only, pets_allowed,
    wheelchair_accessible, has_showers, has_kitchen, has_heating, has_wifi, status,
    public_notes, created_at, updated_at, marked_full)
SELECT 'Shelter ' || g,
       (ARRAY['cinema','gym','school','dormitory','hotel','apartment','private_home','other'])
           [1 + g % 8],
       'Street ' || g, CASE WHEN g % 10 < 8 THEN 'Uralsk' WHEN g % 10 = 8 THEN 'Aktobe'
                            ELSE 'Atyrau' END,
       '', 51.2 + g / 10000.0, 51.3 + g / 10000.0, '', '', g % 5 <> 0, g % 17 = 0,
       g % 5 = 0 AND g % 17 <> 0, g % 3 = 0, g % 4 = 0, false, false, true, false,
       CASE WHEN g % 50 = 0 THEN 'closed' WHEN g % 25 = 0 THEN 'standby'
            WHEN g % 40 = 1 THEN 'full' ELSE 'open' END,
       '', now() - interval '40 days', now(), g % 40 = 1
FROM generate_series(1, {SHELTERS}) g;

INSERT INTO shelter_space (shelter_id, name, places, blocked, occupied, held, created_at,
                           counted_at, counted_by_id)
SELECT s.id, 'Room ' || j, 10 + (s.id * 7 + j * 13) % 51, (s.id + j) % 3, 0, 0,
       now() - interval '40 days',
       now() - ((s.id * 31 + j * 17) % 600) * interval '1 minute',
       (SELECT min(id) FROM auth_user) + (s.id + j) % 300
FROM shelter_shelter s, generate_series(1, {SPACES_EACH}) j;

-- Occupied: most shelters well used, some full; standby and closed ones empty.
UPDATE shelter_space sp SET occupied = CASE
    WHEN sh.status IN ('standby', 'closed') THEN 0
    WHEN sh.id % 7 = 0 THEN sp.places - sp.blocked
    ELSE (sp.places - sp.blocked) * (40 + (sp.id * 37) % 61) / 100 END
FROM shelter_shelter sh WHERE sh.id = sp.shelter_id;

"""  # noqa: S608

EVENTS_SQL = f"""
-- A million changes over {EVENT_DAYS} days, newest last, on every space in turn.
INSERT INTO shelter_occupancyevent (space_id, shelter_id, before, after, places_before,
                                    places, reason, by_id, at)
SELECT sp.id, sp.shelter_id, b.before, b.before + b.delta, sp.places, sp.places,
       (ARRAY['count','check_in','check_out','correction'])[1 + e % 4],
       sp.counted_by_id,
       now() - ({EVENT_DAYS} * 86400.0 * (1 - e::float / {EVENTS})) * interval '1 second'
FROM generate_series(1, {EVENTS}) e
JOIN LATERAL (SELECT (SELECT min(id) FROM shelter_space)
                     + (e::bigint * 7919) % {SHELTERS * SPACES_EACH} AS space_id) pick ON true
JOIN shelter_space sp ON sp.id = pick.space_id
JOIN LATERAL (SELECT sp.occupied / 2 + 2 + e % 5 AS before, (e % 5) - 2 AS delta) b ON true;
"""  # noqa: S608

MORE_SQL = f"""
INSERT INTO coordination_household (contact_name, size, children, needs_wheelchair,
    needs_medical, has_infant, has_pets, women_children_only, languages, phone, arrived_from,
    notes, created_at, waiting_since, status, left_at, registered_at_id)
SELECT 'Person ' || g,
       CASE WHEN g % 101 = 0 THEN 8 + g % 5 ELSE 1 + (g::bigint * g) % 7 % (1 + g % 6) END,
       0, g % 97 = 0, g % 31 = 0,
       g % 23 = 0, g % 19 = 0, g % 29 = 0, 'Russian', '+7 701 ' || lpad((g % 10000000)::text,
       7, '0'), 'Saratov', '',
       now() - ((g * 13) % (30 * 1440)) * interval '1 minute',
       now() - ((g * 13) % (30 * 1440)) * interval '1 minute',
       CASE WHEN g % 5 = 0 THEN 'waiting' WHEN g % 5 = 1 THEN 'left' ELSE 'placed' END,
       CASE WHEN g % 5 = 1 THEN now() - interval '1 day' END,
       (SELECT min(id) FROM shelter_shelter) + g % {SHELTERS}
FROM generate_series(1, {HOUSEHOLDS}) g;
UPDATE coordination_household SET children = size - 1 WHERE id % 3 = 0;

INSERT INTO coordination_mealprovider (name, city, phone, created_at)
SELECT 'Kitchen ' || g, 'Uralsk', '', now() FROM generate_series(1, 100) g;
INSERT INTO coordination_mealoffer (provider_id, address, city, date, starts_at, ends_at,
    portions, claimed, hot_meal, vegetarian, halal, for_children, delivery, contact,
    public_notes, notes, created_at, updated_at)
SELECT (SELECT min(id) FROM coordination_mealprovider) + g % 100, 'Street ' || g,
       CASE WHEN g % 10 < 8 THEN 'Uralsk' ELSE 'Aktobe' END,
       (now() - (g % 30) * interval '1 day')::date, '08:00', '22:00', 50 + g % 200,
       (50 + g % 200) * (g % 4) / 4, true, false, false, false, 'pickup', '', '', '', now(),
       now()
FROM generate_series(1, 3000) g;
"""  # noqa: S608
SEED_SQL = CITY_SQL + EVENTS_SQL + MORE_SQL


def prepare(keep: bool) -> None:
    import psycopg2

    admin = psycopg2.connect(dbname="postgres", user="postgres", host="127.0.0.1", port=5432)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB])
        exists = cursor.fetchone() is not None
        if exists and keep:
            admin.close()
            return
        cursor.execute(f"DROP DATABASE IF EXISTS {DB}")
        cursor.execute(f"CREATE DATABASE {DB}")
    admin.close()

    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(SEED_SQL)
    connection.close()
    vacuum = psycopg2.connect(dbname=DB, user="postgres", host="127.0.0.1", port=5432)
    vacuum.autocommit = True
    with vacuum.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    vacuum.close()
    print(f"loaded in {time.monotonic() - started:.0f} s")


def measure(client, url: str, runs: int) -> tuple[float, float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm: templates compiled, connection open
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            body = b"".join(response) if response.streaming else response.content
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), max(times), len(queries), len(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="reuse the loaded database")
    args = parser.parse_args()
    prepare(args.keep)

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client, override_settings
    from django.urls import reverse

    from coordination.models import Household, MealOffer
    from shelter.models import OccupancyEvent, Shelter, Space

    # Hashed static names need collectstatic; the page's work is the same without them.
    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    user, _ = get_user_model().objects.get_or_create(
        username="bench-coordinator", defaults={"is_staff": True}
    )
    user.groups.add(Group.objects.get(name="Coordinator"))
    client = Client()
    client.force_login(user)
    print(
        f"{Shelter.objects.count()} shelters, {Space.objects.count()} spaces, "
        f"{Household.objects.count()} households, {MealOffer.objects.count()} meal offers, "
        f"{OccupancyEvent.objects.count()} occupancy events"
    )
    shelter = Shelter.objects.order_by("pk").first()
    pages = [
        ("dashboard", reverse("coordination:dashboard")),
        ("dashboard, city Uralsk", reverse("coordination:dashboard") + "?city=Uralsk"),
        ("dashboard, gyms only", reverse("coordination:dashboard") + "?kind=gym"),
        ("dashboard: a shelter", reverse("coordination:dashboard_shelter", args=[shelter.pk])),
        ("bed count page (volunteers)", reverse("shelter:detail", args=[shelter.pk])),
        ("export shelters.csv", reverse("coordination:export_shelters")),
        ("export occupancy.csv", reverse("coordination:export_history")),
        ("admin: shelters", reverse("admin:shelter_shelter_changelist")),
        ("admin: a shelter", reverse("admin:shelter_shelter_change", args=[shelter.pk])),
        ("admin: spaces", reverse("admin:shelter_space_changelist")),
        ("admin: occupancy history", reverse("admin:shelter_occupancyevent_changelist")),
        (
            "admin: history of a shelter",
            reverse("admin:shelter_occupancyevent_changelist")
            + f"?shelter__id__exact={shelter.pk}",
        ),
        ("admin: households", reverse("admin:coordination_household_changelist")),
        (
            "admin: households waiting",
            reverse("admin:coordination_household_changelist") + "?status__exact=waiting",
        ),
        ("admin: audit log", reverse("admin:shelter_auditentry_changelist")),
    ]
    print(f"\n{args.runs} renders each after one warm-up, in-process (DEBUG off)")
    print(f"{'page':<34}{'median ms':>10}{'worst ms':>10}{'queries':>9}{'KB':>7}")
    for name, url in pages:
        median, worst, queries, size = measure(client, url, args.runs)
        print(f"{name:<34}{median:>10.1f}{worst:>10.1f}{queries:>9}{size / 1024:>7.0f}")


if __name__ == "__main__":
    main()
