"""Public rate limit: a crowd behind one address is served, a client hammering is slowed down.

Who counts against what (README, "Deploying"):
- Logged-in users, the health probes and static files are not counted at all.
- Everything else is public traffic. The first page a browser loads gives it a signed random
  client id (a cookie for a day; a random token and its issue time, nothing personal). Only
  requests that accept HTML get one: browsers keep cookies, API clients and bots mostly do
  not, and an id costs more than counting (HMAC, cookie header: ~50 µs a response, measured).
  A request with a valid id counts against that client's budget (PUBLIC_RATE_LIMIT_CLIENT).
  A request without one (a new visitor, a bot that drops cookies, an API client) counts
  against its address's new-visitor budget (PUBLIC_RATE_LIMIT_NEW). Every request also counts
  against its address's ceiling (PUBLIC_RATE_LIMIT_ADDRESS), so a bot collecting ids still
  gets a bounded share. Thousands of phones behind one carrier NAT address are thousands of
  clients, not one.
- Only served requests count: a refused one costs no budget, so a neighbour who goes on
  hammering after his 429 does not use up the address's budgets for everyone else.
- A browser refused without a valid id still gets one, so a new visitor refused because of
  cookieless neighbours is counted on their own budget when they try again.

How it counts:
- Fixed one-minute windows of the wall clock, so every process and instance agrees on them.
- Each process counts in its own memory (no Redis round trip on a request). At most once a
  second it adds its new hits to Redis in one pipeline (INCRBY + EXPIRE per key) and learns
  the global totals back, so a budget is shared by all processes and instances and each knows
  the count of the keys it serves within about a second. That pipeline is sent after a
  response has gone out (`request_finished`), so no visitor waits for it.
- Redis down or slow: the pipeline fails fast (short timeouts, no retries), the hits stay in
  the process's count, and Redis is left alone for a few seconds (a circuit breaker). The
  budgets then hold per process, and once Redis answers the counts are shared again.
- Memory is bounded: counters of the current window only, at most MAX_KEYS per process, the
  least recently used dropped first (a hammering client stays: it is the most recent).
"""

import base64
import functools
import hashlib
import hmac
import ipaddress
import logging
import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence

import redis
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import request_finished, setting_changed
from django.dispatch import receiver
from django.urls import reverse
from redis.backoff import NoBackoff
from redis.retry import Retry

from .clients import client_ip
from .views.errors import rate_limited

log = logging.getLogger(__name__)

WINDOW = 60  # seconds; budgets are per minute
MAX_KEYS = 100_000  # counters a process keeps (about 20 MB); past it the least recent go
SYNC_SECONDS = 1.0  # how often a process adds its hits to Redis and learns the totals
# Sooner, but not more often than this, once a key's unsent hits are a tenth of what is left
# of its budget: the nearer a budget is to its end, the sooner every process knows, so a
# client hammering several processes gets little more than its budget.
URGENT_SYNC_SECONDS = 0.1
BREAKER_SECONDS = 5.0  # after Redis failed, count in the process alone this long
REDIS_CONNECT_TIMEOUT = 0.1  # seconds: Redis is near; a dead one must not hold a worker
REDIS_TIMEOUT = 0.25
REDIS_PREFIX = "ratelimit:"

CLIENT_COOKIE = "shelter_client"
CLIENT_COOKIE_AGE = 24 * 3600
CLIENT_SALT = "coordination.ratelimit.client"  # keys these MACs apart from any other


class _Count:
    """One key's count in this window: known from Redis, and this process's hits since."""

    __slots__ = ("known", "pending", "refused", "sending")

    def __init__(self) -> None:
        self.known = 0  # the global total Redis last reported (it includes our hits sent)
        self.pending = 0  # our hits not sent yet
        self.sending = 0  # our hits in the pipeline now
        self.refused = False  # said in the log already this minute

    @property
    def total(self) -> int:
        return self.known + self.pending + self.sending


class Limiter:
    """Fixed-window counters in process memory, shared through Redis about once a second.

    Thread-safe: one lock guards the counters; the Redis pipeline runs outside it, in one
    thread at a time, so the other threads keep counting meanwhile.
    """

    def __init__(
        self,
        redis_url: str = "",
        *,
        sync_seconds: float = SYNC_SECONDS,
        breaker_seconds: float = BREAKER_SECONDS,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self._redis = (
            redis.Redis.from_url(
                redis_url,
                socket_connect_timeout=REDIS_CONNECT_TIMEOUT,
                socket_timeout=REDIS_TIMEOUT,
                retry=Retry(NoBackoff(), 0),  # redis-py retries 3 times by default
            )
            if redis_url
            else None
        )
        self._sync_seconds = sync_seconds
        self._breaker_seconds = breaker_seconds
        self._max_keys = max_keys
        self._lock = threading.Lock()
        self._window = -1
        self._counts: OrderedDict[str, _Count] = OrderedDict()
        self._dirty: dict[str, _Count] = {}  # keys with hits Redis has not seen yet
        self._next_sync = 0.0  # time.monotonic() when the next sync is due
        self._next_urgent = 0.0  # ... or, with a key near its budget (_urgent), this one
        self._urgent = False
        self._syncing = False
        self._redis_down = False

    def admit(self, budgets: Sequence[tuple[str, int]]) -> int:
        """Count one request against every (key, limit); 0 if served, else seconds to wait.

        A refused request is counted against none of them.
        """
        now = time.time()
        window = int(now // WINDOW)
        with self._lock:
            if window != self._window:  # a new minute: every budget starts again
                self._window = window
                self._counts.clear()
                self._dirty.clear()
            counts = [(key, self._count(key), limit) for key, limit in budgets]
            over = next(((k, c, limit) for k, c, limit in counts if c.total >= limit), None)
            if over is None:
                for key, count, limit in counts:
                    count.pending += 1
                    if self._redis is not None:
                        self._dirty[key] = count
                        if count.pending * 10 >= limit - count.known:
                            self._urgent = True
                return 0
            key, count, limit = over
            first_refusal, count.refused = not count.refused, True
        if first_refusal:  # once a key and minute in the log, not once a request
            label = KEY_LABELS.get(key[:2], "a budget")
            log.warning("Rate limit: %s reached %d a minute; refused till it ends", label, limit)
        return max(1, math.ceil((window + 1) * WINDOW - now))

    def count(self, key: str) -> int:
        """This process's idea of the key's count in the current window."""
        with self._lock:
            if self._window != int(time.time() // WINDOW):
                return 0
            count = self._counts.get(key)
            return count.total if count else 0

    def sync_if_due(self) -> None:
        """Add this process's hits to Redis if the last time was a second ago or more.

        Or a tenth of a second ago, if a key has a tenth of what is left of its budget unsent.
        """
        if self._redis is None or not self._dirty:
            return
        now = time.monotonic()
        if now >= self._next_sync or (self._urgent and now >= self._next_urgent):
            self.sync()

    def sync(self) -> None:
        """Send the hits not sent yet in one pipeline and learn the totals; never raises.

        While the breaker is open (Redis failed less than breaker_seconds ago) it does nothing.
        """
        with self._lock:
            if self._redis is None or self._syncing or not self._dirty:
                return
            if self._redis_down and time.monotonic() < self._next_sync:
                return
            self._syncing = True
            self._urgent = False
            window = self._window
            batch = [(key, count, count.pending) for key, count in self._dirty.items()]
            self._dirty = {}
            for _key, count, hits in batch:
                count.pending -= hits
                count.sending += hits
        totals = None
        try:
            pipe = self._redis.pipeline(transaction=False)
            for key, _count, hits in batch:
                name = f"{REDIS_PREFIX}{window}:{key}"
                pipe.incrby(name, hits)
                pipe.expire(name, 2 * WINDOW)
            totals = pipe.execute()[::2]
        except (redis.RedisError, OSError) as error:
            if not self._redis_down:
                log.warning("Rate limit: Redis unreachable (%s); counting in this process", error)
        except Exception:  # a limiter must never fail a request, nor stop syncing for good
            log.exception("Rate limit: syncing with Redis failed; counting in this process")
        else:
            if self._redis_down:
                log.warning("Rate limit: Redis reachable again; counts are shared")
        with self._lock:
            self._syncing = False
            self._redis_down = totals is None
            now = time.monotonic()
            if totals is None:  # the breaker: Redis is left alone for a while
                self._next_sync = self._next_urgent = now + self._breaker_seconds
            else:
                self._next_sync = now + self._sync_seconds
                self._next_urgent = now + min(URGENT_SYNC_SECONDS, self._sync_seconds)
            for index, (key, count, hits) in enumerate(batch):
                count.sending -= hits
                if totals is None:  # kept, and sent once Redis answers (if still this minute)
                    count.pending += hits
                    if window == self._window:
                        self._dirty.setdefault(key, count)
                else:
                    # Both are lower bounds of the true count; Redis may have lost keys.
                    count.known = max(totals[index], count.known + hits)

    def reset(self) -> None:
        """Forget every count of this process (tests)."""
        with self._lock:
            self._window = -1
            self._counts.clear()
            self._dirty.clear()
            self._next_sync = self._next_urgent = 0.0
            self._urgent = self._redis_down = False

    def _count(self, key: str) -> _Count:
        count = self._counts.get(key)
        if count is not None:
            self._counts.move_to_end(key)
            return count
        # Dropped from memory with hits not sent yet: the same counter, so none are lost.
        count = self._dirty.get(key) or _Count()
        self._counts[key] = count
        if len(self._counts) > self._max_keys:
            self._counts.popitem(last=False)
        return count


@functools.lru_cache(maxsize=32)
def per_minute(rate: str) -> int:
    """'120/m' (or '120') -> 120."""
    number, _, unit = str(rate).strip().partition("/")
    if unit not in ("", "m", "min") or not number.isdigit() or int(number) < 1:
        raise ImproperlyConfigured(f"A public rate limit must read like '120/m', not {rate!r}.")
    return int(number)


@functools.lru_cache(maxsize=65_536)
def _address_v6(address: str) -> str:
    try:
        ip = ipaddress.IPv6Address(address)
    except ValueError:
        return address
    if ip.ipv4_mapped:  # a dual-stack socket's IPv4 client: its own address
        return str(ip.ipv4_mapped)
    # A phone on IPv6 gets a whole /64 from its carrier: one address is the /64.
    return str(ipaddress.IPv6Network((ip, 64), strict=False))


def address_key(address: str) -> str:
    """The address budgets are kept under: the IPv4 address, or the IPv6 /64."""
    return _address_v6(address) if ":" in address else address


@functools.lru_cache(maxsize=4)
def _mac_key(secret: str) -> bytes:
    return hashlib.sha256(f"{CLIENT_SALT}:{secret}".encode()).digest()


def _mac(payload: str) -> str:
    # HMAC-SHA256 under a key derived from SECRET_KEY once: django.core.signing derives it
    # again on every call, 10 µs a request instead of 3 (measured in-process).
    digest = hmac.new(_mac_key(settings.SECRET_KEY), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()  # 144 bits, 24 characters


def client_id(request) -> str | None:
    """The request's valid client id (issued by us less than a day ago), or None.

    The cookie reads `<random token>.<issue time, hex seconds>.<MAC>`: nothing personal. A
    new SECRET_KEY makes every id invalid, which only makes each browser a new visitor once.
    """
    value = request.COOKIES.get(CLIENT_COOKIE)
    if not value:
        return None
    token, _, rest = value.partition(".")
    issued, _, mac = rest.partition(".")
    try:
        age = time.time() - int(issued, 16)
    except ValueError:
        return None
    if not 0 <= age < CLIENT_COOKIE_AGE or not hmac.compare_digest(mac, _mac(f"{token}.{issued}")):
        return None
    return token


def issue_client_id(response) -> None:
    payload = f"{secrets.token_urlsafe(12)}.{int(time.time()):x}"
    response.set_cookie(
        CLIENT_COOKIE,
        f"{payload}.{_mac(payload)}",
        max_age=CLIENT_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


_limiter: Limiter | None = None
_limiter_lock = threading.Lock()


def limiter() -> Limiter:
    """This process's limiter, on settings.REDIS_URL (local counts only without it)."""
    global _limiter
    if _limiter is None:
        with _limiter_lock:
            if _limiter is None:
                _limiter = Limiter(settings.REDIS_URL)
    return _limiter


@receiver(setting_changed)
def _redis_url_changed(*, setting: str, **kwargs) -> None:
    global _limiter
    if setting == "REDIS_URL":
        _limiter = None


@receiver(request_finished)
def _sync_after_response(**kwargs) -> None:
    # Sent when the server closes the response, after its body has gone out.
    if _limiter is not None:
        _limiter.sync_if_due()


@functools.cache
def _exempt_paths() -> frozenset[str]:
    return frozenset({reverse("healthz"), reverse("readyz")})


def is_public(request) -> bool:
    """Counted traffic: not a health probe, not a static file, not a logged-in user."""
    path = request.path_info
    if path in _exempt_paths() or path.startswith(settings.STATIC_URL):
        return False
    # Nobody is logged in without a session cookie: most requests need no session lookup.
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return True
    return not request.user.is_authenticated


# For the log, which holds neither addresses nor client ids.
KEY_LABELS = {
    "c:": "a client",
    "n:": "the new visitors of an address",
    "a:": "an address",
    "o:": "the offers of a client",
    "O:": "the offers of an address",
}


def budgets(address: str, client: str | None) -> list[tuple[str, int]]:
    """The (key, limit) pairs a public request counts against."""
    ceiling = ("a:" + address, per_minute(settings.PUBLIC_RATE_LIMIT_ADDRESS))
    if client is None:
        return [("n:" + address, per_minute(settings.PUBLIC_RATE_LIMIT_NEW)), ceiling]
    return [("c:" + client, per_minute(settings.PUBLIC_RATE_LIMIT_CLIENT)), ceiling]


RATE_SETTINGS = (
    "PUBLIC_RATE_LIMIT_CLIENT",
    "PUBLIC_RATE_LIMIT_NEW",
    "PUBLIC_RATE_LIMIT_ADDRESS",
    "OFFER_RATE_LIMIT",
    "OFFER_RATE_LIMIT_ADDRESS",
    "ASK_RATE_LIMIT_CLIENT",
    "ASK_RATE_LIMIT_ADDRESS",
    "ASK_STATUS_RATE_LIMIT_CLIENT",
    "ASK_STATUS_RATE_LIMIT_ADDRESS",
)


@checks.register
def rates_read_per_minute(app_configs, **kwargs) -> list[checks.Error]:
    """`manage.py check` (and migrate, runserver) refuse a rate that is not per minute."""
    errors = []
    for name in RATE_SETTINGS:
        try:
            per_minute(getattr(settings, name))
        except ImproperlyConfigured as error:
            errors.append(checks.Error(str(error), obj=name, id="coordination.E001"))
    return errors


class PublicRateLimitMiddleware:
    """Counts public traffic against its budgets; beyond them a 429 with Retry-After.

    After AuthenticationMiddleware: logged-in users are not public traffic.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        for name in RATE_SETTINGS:  # gunicorn runs no checks: a typo fails its start too
            per_minute(getattr(settings, name))

    def __call__(self, request):
        if not is_public(request):
            return self.get_response(request)
        client = client_id(request)
        wait = limiter().admit(budgets(address_key(client_ip(request)), client))
        response = rate_limited(request, retry_after=wait) if wait else self.get_response(request)
        if client is None and "text/html" in request.META.get("HTTP_ACCEPT", ""):
            issue_client_id(response)  # a browser: from now on it has a budget of its own
        return response


def admit_action(request, *, action: str, client_rate: str, address_rate: str) -> int:
    """A tighter budget of its own for one public action (offering a home, sending a request
    for a place, opening a status link), on top of the public budgets above: 0 if served,
    else seconds.

    Counted per client id (or, without one, per address) and per address, like the public
    budgets; logged-in users are not counted.
    """
    if not is_public(request):
        return 0
    address = address_key(client_ip(request))
    client = client_id(request)
    own = ("c:" + action + ":" + client) if client else ("n:" + action + ":" + address)
    return limiter().admit(
        [(own, per_minute(client_rate)), ("a:" + action + ":" + address, per_minute(address_rate))]
    )
