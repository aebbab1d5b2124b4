"""Test setup: real PostgreSQL and Redis (checked first), fast hashing, eager tasks by default.

Tests marked `worker` get a real Celery worker consuming from the real Redis broker.
"""

import pytest
import redis
from django.conf import settings

from coordination.celery import app as celery_app

POSTGRES_HELP = (
    "PostgreSQL is not reachable at {where}: {error}\n"
    "Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
    "or point DATABASE_URL at a PostgreSQL server (the tests need PostgreSQL, not SQLite)."
)
REDIS_HELP = (
    "Redis is not reachable at {where}: {error}\n"
    "Start it with: redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 "
    '--save "" --appendonly no\nor point REDIS_URL at a Redis server.'
)


def _check_postgres() -> None:
    import psycopg2

    db = settings.DATABASES["default"]
    where = f"{db.get('HOST')}:{db.get('PORT')}"
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.exit(POSTGRES_HELP.format(where=db["ENGINE"], error="not PostgreSQL"), 3)
    try:
        psycopg2.connect(
            dbname="postgres",
            user=db.get("USER"),
            password=db.get("PASSWORD"),
            host=db.get("HOST"),
            port=db.get("PORT"),
            connect_timeout=3,
        ).close()
    except psycopg2.OperationalError as error:
        pytest.exit(POSTGRES_HELP.format(where=where, error=error), 3)


def _check_redis() -> None:
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3)
        client.ping()
        client.flushdb()  # the tests' own Redis database: no messages left from an earlier run
    except (redis.RedisError, ValueError) as error:
        pytest.exit(
            REDIS_HELP.format(where=settings.REDIS_URL or "(REDIS_URL unset)", error=error), 3
        )


def pytest_sessionstart(session) -> None:
    _check_postgres()
    _check_redis()


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Hashed static names need collectstatic; tests/test_static.py checks the real storage.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.LANGUAGE_CODE = "en"
    settings.PUBLIC_PAGE_LOCAL_SECONDS = 0  # tests read their own writes at once
    settings.PUBLIC_REBUILD_SECONDS = 0
    from django.core.cache import caches

    from coordination import ratelimit

    for cache in caches.all():  # Redis: flushes the test database, shared counters included
        cache.clear()
    ratelimit.limiter().reset()  # this process's rate-limit counts
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture
def celery_worker_real(transactional_db):
    """A real Celery worker thread consuming from the real Redis broker (no eager mode)."""
    from celery.contrib.testing.worker import start_worker

    celery_app.conf.task_always_eager = False
    # loglevel: each start sets the root logger's level; the default ("error") would hide
    # INFO records from caplog in every later test of the session.
    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10, loglevel="INFO"
    ):
        yield celery_app
    celery_app.conf.task_always_eager = True


# --- People in each role, around two shelters -------------------------------------------------


@pytest.fixture
def shelter(db):
    from tests.factories import ShelterFactory, SpaceFactory

    shelter = ShelterFactory(name="Cinema Park")
    SpaceFactory(shelter=shelter, name="Auditorium 1", places=10)
    SpaceFactory(shelter=shelter, name="Auditorium 2", places=20)
    return shelter


@pytest.fixture
def other_shelter(db):
    from tests.factories import ShelterFactory, SpaceFactory

    shelter = ShelterFactory(name="Yunost gym")
    SpaceFactory(shelter=shelter, name="Main hall", places=50)
    return shelter


def _member(shelter, role, group):
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(groups=[group])
    MembershipFactory(shelter=shelter, user=user, role=role)
    return user


@pytest.fixture
def volunteer(shelter):
    from shelter.models import MembershipRole

    return _member(shelter, MembershipRole.VOLUNTEER, "Volunteer")


@pytest.fixture
def other_volunteer(other_shelter):
    from shelter.models import MembershipRole

    return _member(other_shelter, MembershipRole.VOLUNTEER, "Volunteer")


@pytest.fixture
def manager(shelter):
    from shelter.models import MembershipRole

    return _member(shelter, MembershipRole.MANAGER, "Shelter manager")


@pytest.fixture
def coordinator(db):
    from tests.factories import UserFactory

    user = UserFactory(groups=["Coordinator"], is_staff=True)
    return user


@pytest.fixture
def as_user(client):
    """Log the test client in as the given user (None stays anonymous) and return it."""

    def login(user):
        if user is not None:
            client.force_login(user)
        return client

    return login


@pytest.fixture
def cafe(db):
    """A meal provider: an organisation its members post offers for."""
    from tests.factories import MealProviderFactory

    return MealProviderFactory(name="Café Dastarkhan", phone="+7 701 555 00 01")


@pytest.fixture
def meal_provider(cafe):
    """A user of the Meal provider group who posts for Café Dastarkhan."""
    from tests.factories import UserFactory

    user = UserFactory(groups=["Meal provider"])
    cafe.memberships.create(user=user)
    return user
