"""The public rate limit: a crowd behind one address is served, a hammering client is not.

Real Redis throughout (the tests' database, or a redis-server of their own to stop and
start); the budgets are the real defaults unless a test says why it lowers one.
"""

import logging
import socket
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import redis
import time_machine
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from coordination import ratelimit
from coordination.ratelimit import CLIENT_COOKIE, REDIS_PREFIX, WINDOW, Limiter

NAT = "100.64.0.1"  # one carrier-grade NAT address for a whole border crossing
PAGE = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # a browser's Accept
# Ten seconds into a minute: every request of a test falls into one window.
MINUTE = datetime(2026, 11, 24, 9, 30, 10, tzinfo=UTC)


@pytest.fixture
def browser():
    """Makes a new phone's browser: no cookies yet, keeps the ones it is given."""
    # One middleware chain for all of them: each chain loaded anew scans the static files.
    handler = Client().handler

    def new(address: str = NAT) -> Client:
        phone = Client(REMOTE_ADDR=address, HTTP_ACCEPT=PAGE)
        phone.handler = handler
        return phone

    return new


@pytest.fixture
def one_minute():
    with time_machine.travel(MINUTE, tick=False) as clock:
        yield clock


def _redis_count(key: str) -> int:
    window = int(time.time() // WINDOW)
    value = redis.Redis.from_url(settings.REDIS_URL).get(f"{REDIS_PREFIX}{window}:{key}")
    return int(value or 0)


@pytest.mark.django_db
def test_two_thousand_new_visitors_from_one_address_are_all_served(browser, one_minute):
    statuses = []
    for _ in range(2000):  # each a new phone: a client of its own, no cookies yet
        response = browser().get("/")
        statuses.append(response.status_code)
        assert CLIENT_COOKIE in response.cookies  # and from now on it has its own budget
    assert statuses == [200] * 2000
    ratelimit.limiter().sync()
    # All in one minute, counted in Redis: the budget is shared, and it held 2,000 loads.
    assert _redis_count(f"n:{NAT}") == 2000
    assert _redis_count(f"a:{NAT}") == 2000


@pytest.mark.django_db
def test_a_client_hammering_with_its_cookie_is_refused_after_its_budget(
    browser, one_minute, caplog
):
    client = browser()
    statuses = [client.get("/").status_code for _ in range(300)]
    # The first load came without an id (the new-visitor budget), then 120 with it.
    assert statuses == [200] * 121 + [429] * 179
    said = [r.getMessage() for r in caplog.records if r.name == "coordination.ratelimit"]
    assert said == ["Rate limit: a client reached 120 a minute; refused till it ends"]
    refused = client.get("/")
    assert refused["Retry-After"] == "50"  # the minute ends in 50 s
    assert refused["Content-Type"].startswith("text/plain")
    assert "Too many requests" in refused.content.decode()
    assert browser().get("/").status_code == 200  # a neighbour is served
    one_minute.shift(timedelta(seconds=50))
    assert client.get("/").status_code == 200  # a new minute, a new budget


@pytest.mark.django_db
def test_api_answers_a_refusal_in_json(settings, one_minute):
    settings.PUBLIC_RATE_LIMIT_NEW = "2/m"  # a small budget, to get there in a few requests
    statuses = [Client().get("/api/v1/shelters/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = Client().get("/api/v1/version/")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "50"
    assert "Too many requests" in refused.json()["detail"]


@pytest.mark.django_db
def test_api_clients_get_no_id_and_count_as_new_visitors(browser, settings, one_minute):
    settings.PUBLIC_RATE_LIMIT_NEW = "5/m"
    api_client = Client(REMOTE_ADDR=NAT, HTTP_ACCEPT="application/json")
    responses = [api_client.get("/api/v1/shelters/") for _ in range(6)]
    assert [r.status_code for r in responses] == [200] * 5 + [429]
    assert not any(CLIENT_COOKIE in r.cookies for r in responses)  # it would not keep it
    refused_browser = browser().get("/")
    assert refused_browser.status_code == 429
    assert CLIENT_COOKIE in refused_browser.cookies  # a browser gets one, even refused


@pytest.mark.django_db
def test_cookieless_hammer_beyond_the_new_visitor_budget_is_refused(browser, settings, one_minute):
    settings.PUBLIC_RATE_LIMIT_NEW = "20/m"  # the default is 3,000: 20 keeps the test short
    responses = [browser().get("/") for _ in range(25)]
    assert [r.status_code for r in responses] == [200] * 20 + [429] * 5
    assert browser("100.64.0.2").get("/").status_code == 200  # another address
    # A new visitor refused because of cookieless neighbours still got an id: when they
    # try again it is counted on their own budget, and they are served.
    unlucky = browser()
    assert unlucky.get("/").status_code == 429
    assert unlucky.get("/").status_code == 200


@pytest.mark.django_db
def test_the_address_ceiling_bounds_many_client_ids(browser, settings, one_minute):
    settings.PUBLIC_RATE_LIMIT_ADDRESS = "30/m"  # small budgets: a bot with ten ids
    settings.PUBLIC_RATE_LIMIT_CLIENT = "10/m"
    bot_ids = [browser() for _ in range(10)]
    served = sum(c.get("/").status_code == 200 for c in bot_ids for _ in range(11))
    assert served == 30  # not 10 ids x (1 + 10)
    assert browser("100.64.0.2").get("/").status_code == 200


@pytest.mark.django_db
def test_refused_requests_cost_no_budget(browser, settings, one_minute):
    settings.PUBLIC_RATE_LIMIT_ADDRESS = "20/m"
    settings.PUBLIC_RATE_LIMIT_CLIENT = "5/m"
    hammer = browser()
    statuses = [hammer.get("/").status_code for _ in range(100)]
    assert statuses.count(200) == 6  # its first load, then 5 with its id
    # Its 94 refusals took nothing from the address: 14 of the ceiling's 20 are left.
    neighbours = [browser() for _ in range(14)]
    assert [c.get("/").status_code for c in neighbours] == [200] * 14
    assert browser().get("/").status_code == 429


@pytest.mark.django_db
def test_the_client_id_cookie_is_signed_short_lived_and_says_nothing(browser, one_minute):
    client = browser()
    cookie = client.get("/").cookies[CLIENT_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 24 * 3600
    token, issued, mac = cookie.value.split(".")
    assert len(token) == 16  # random; then the issue time and the MAC, nothing else
    assert int(issued, 16) == int(MINUTE.timestamp())
    assert CLIENT_COOKIE not in client.get("/").cookies  # kept: none issued again

    forged = browser()
    for value in [f"{token}x.{issued}.{mac}", f"{token}.{int(issued, 16) + 1:x}.{mac}", "x"]:
        forged.cookies[CLIENT_COOKIE] = value
        assert CLIENT_COOKIE in forged.get("/").cookies  # not ours: a new visitor, a new id
    one_minute.shift(timedelta(days=1, seconds=1))
    assert CLIENT_COOKIE in client.get("/").cookies  # a day old: a new one


@pytest.mark.django_db
def test_no_redis_round_trip_per_request(browser, settings, one_minute):
    ratelimit._limiter = Limiter(settings.REDIS_URL, sync_seconds=3600)  # an hour apart
    browser().get("/")  # the first sync is due at once
    for _ in range(49):
        assert browser().get("/").status_code == 200
    assert _redis_count(f"a:{NAT}") == 1  # the other 49 are counted here only
    assert ratelimit.limiter().count(f"a:{NAT}") == 50
    ratelimit.limiter().sync()  # one pipeline for every key
    assert _redis_count(f"a:{NAT}") == 50
    assert _redis_count(f"n:{NAT}") == 50


def test_a_key_near_its_budget_is_synced_sooner(one_minute):
    limiter = Limiter(settings.REDIS_URL, sync_seconds=3600)
    budget = [("c:busy", 100)]
    limiter.admit(budget)
    limiter.sync_if_due()  # the first: at once
    for _ in range(9):
        limiter.admit(budget)
    time.sleep(0.15)
    limiter.sync_if_due()
    assert _redis_count("c:busy") == 1  # 9 unsent hits: under a tenth of the budget, it waits
    limiter.admit(budget)  # the tenth
    limiter.sync_if_due()
    assert _redis_count("c:busy") == 11


def _alternate(first: Limiter, second: Limiter, budget) -> int:
    served = 0
    for process in [first, second] * 20:  # a client whose requests go to either worker
        served += process.admit(budget) == 0
        process.sync()
    return served


def test_two_processes_share_one_budget(one_minute):
    shared = _alternate(Limiter(settings.REDIS_URL), Limiter(settings.REDIS_URL), [("c:a", 10)])
    # One budget: at most the one request the other process had not heard of yet beyond it.
    assert shared in (10, 11)
    assert _redis_count("c:a") == shared
    alone = _alternate(Limiter(""), Limiter(""), [("c:b", 10)])
    assert alone == 20  # what two processes counting alone would give


def test_the_budget_holds_when_threads_race_for_it():
    limiter = Limiter(settings.REDIS_URL)
    barrier = threading.Barrier(20)
    results = []

    def hit():
        barrier.wait()
        for _ in range(5):
            results.append(limiter.admit([("c:racer", 30)]))
            limiter.sync_if_due()

    threads = [threading.Thread(target=hit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(0) == 30
    assert len(results) == 100


def test_memory_is_bounded_and_a_hammering_client_keeps_its_count():
    limiter = Limiter("", max_keys=100)
    for index in range(1000):
        limiter.admit([("c:bot", 10_000)])
        limiter.admit([(f"c:visitor-{index}", 120)])
    assert len(limiter._counts) == 100
    assert limiter.count("c:bot") == 1000
    assert limiter.count("c:visitor-0") == 0  # long gone


@pytest.mark.django_db
def test_redis_down_requests_are_served_and_limited_per_process(browser, settings, caplog):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there: a new limiter
    settings.PUBLIC_RATE_LIMIT_CLIENT = "5/m"
    started = time.monotonic()
    with time_machine.travel(MINUTE, tick=False):
        client = browser()
        statuses = [client.get("/").status_code for _ in range(20)]
    assert statuses == [200] * 6 + [429] * 14
    assert time.monotonic() - started < 5
    unreachable = [r for r in caplog.records if "Redis unreachable" in r.getMessage()]
    assert len(unreachable) == 1  # once, not per request: the breaker keeps Redis alone


def test_a_hung_redis_costs_one_short_wait_then_none():
    silent = socket.socket()  # accepts connections, never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        limiter = Limiter(f"redis://127.0.0.1:{silent.getsockname()[1]}/0", breaker_seconds=60)
        limiter.admit([("c:x", 10)])
        started = time.monotonic()
        limiter.sync()
        assert time.monotonic() - started < 1  # the socket timeout, not a hang
        limiter.admit([("c:x", 10)])
        started = time.monotonic()
        limiter.sync()  # the breaker is open: Redis is not asked
        assert time.monotonic() - started < 0.05
        assert limiter.count("c:x") == 2
    finally:
        silent.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnRedis:
    """A redis-server of the test's own, to stop and start (never the shared one)."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def own_redis():
    server = OwnRedis()
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


def test_the_limiter_counts_alone_while_redis_is_down_and_shares_again_after(own_redis, one_minute):
    first = Limiter(own_redis.url, sync_seconds=0, breaker_seconds=0.2)
    second = Limiter(own_redis.url, sync_seconds=0, breaker_seconds=0.2)
    budget = [("c:x", 10)]
    own_redis.stop()
    for _ in range(4):
        assert first.admit(budget) == 0
        first.sync()  # fails at once, never raises
    assert first.count("c:x") == 4

    own_redis.start()  # empty: it kept nothing
    time.sleep(0.25)  # the breaker closes
    first.sync()  # the hits counted while Redis was away are added now
    key = f"{REDIS_PREFIX}{int(time.time() // WINDOW)}:c:x"
    assert int(redis.Redis.from_url(own_redis.url).get(key)) == 4
    served = 0
    while second.admit(budget) == 0:
        served += 1
        second.sync()
    assert served == 6  # the other process sees the first one's hits: one budget again


def _sample_path(pattern: URLPattern, namespace: str) -> str:
    # "1" fits every converter; the limiter answers before any view looks it up.
    kwargs = dict.fromkeys(pattern.pattern.converters, "1")
    return reverse(namespace + pattern.name, kwargs=kwargs)


def _paths(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            if inner != "admin:":  # Django's own; its login page is checked below
                yield from _paths(pattern.url_patterns, inner)
        elif pattern.name:
            yield _sample_path(pattern, namespace)


@pytest.mark.django_db
def test_every_url_but_the_probes_is_limited_for_the_public(client, settings, one_minute):
    settings.PUBLIC_RATE_LIMIT_ADDRESS = "1/m"  # one request, then the address is refused
    assert client.get("/").status_code == 200
    paths = set(_paths(get_resolver().url_patterns)) | {"/admin/login/", "/no-such-page/"}
    probes = {reverse("healthz"), reverse("readyz")}
    assert {"/api/v1/shelters/1/", "/api/v1/openapi.json", "/language/1/"} <= paths
    refused = {path for path in paths - probes if client.get(path).status_code == 429}
    assert refused == paths - probes
    assert {path: client.get(path).status_code for path in probes} == dict.fromkeys(probes, 200)


@pytest.mark.django_db
def test_static_files_are_not_limited(client, settings, one_minute):
    settings.PUBLIC_RATE_LIMIT_ADDRESS = "1/m"
    client.get("/")
    assert client.get(f"{settings.STATIC_URL}css/app.css").status_code != 429


@pytest.mark.django_db
def test_a_logged_in_volunteer_is_not_under_the_public_budget(
    browser, client, settings, volunteer, shelter, one_minute
):
    settings.PUBLIC_RATE_LIMIT_ADDRESS = "3/m"  # the crossing's address is used up
    assert [browser().get("/").status_code for _ in range(4)][-1] == 429
    client.force_login(volunteer)
    for path in ["/", reverse("shelter:detail", args=[shelter.pk])] * 10:
        response = client.get(path, REMOTE_ADDR=NAT, HTTP_ACCEPT=PAGE)
        assert response.status_code == 200
        assert CLIENT_COOKIE not in response.cookies
    assert ratelimit.limiter().count(f"a:{NAT}") == 3  # the volunteer's 20 were not counted


def test_refusals_are_not_logged_one_line_each():
    request_log = logging.getLogger("django.request")
    make = request_log.makeRecord
    refused = make("django.request", logging.WARNING, "", 0, "Too Many Requests: /", (), None)
    refused.status_code = 429
    missing = make("django.request", logging.WARNING, "", 0, "Not Found: /x/", (), None)
    missing.status_code = 404
    assert not request_log.filter(refused)
    assert request_log.filter(missing)


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("100.64.0.1", "100.64.0.1"),
        ("2a02:8108:1:2:aaaa:bbbb:cccc:dddd", "2a02:8108:1:2::/64"),  # one phone, one /64
        ("2a02:8108:1:2::1", "2a02:8108:1:2::/64"),
        ("::ffff:100.64.0.1", "100.64.0.1"),  # a dual-stack socket's IPv4 client
        ("", ""),
    ],
)
def test_addresses_are_counted_by_ipv4_address_or_ipv6_64(address, key):
    assert ratelimit.address_key(address) == key


@pytest.mark.parametrize("rate", ["120/h", "abc", "0/m", "-1/m", ""])
def test_a_rate_that_is_not_per_minute_fails_loudly(rate):
    with pytest.raises(ImproperlyConfigured):
        ratelimit.per_minute(rate)


def test_rates_read_per_minute():
    assert ratelimit.per_minute("120/m") == 120
    assert ratelimit.per_minute("3000") == 3000
