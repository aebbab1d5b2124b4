"""The public snapshot: every shelter's public fields and counts, and current meal offers.

Thousands of people refreshing at a border crossing read this from the cache (Redis when
REDIS_URL is set), not from the database. Any change bumps a version number; a snapshot is
stored under its version, so a rebuild racing with a change can never be served as current.
No personal data is ever put in here.

While changes come faster than PUBLIC_REBUILD_SECONDS apart (a hundred bed counts a second
in a busy evening), readers keep the newest snapshot built within that time and one process
at a time rebuilds: the public figures are at most that much behind, and the database sees
one rebuild per interval, not one per change. Volunteers' own pages never read this.

Redis is an accelerator, not a dependency: when the cache cannot be reached, each process
rebuilds the snapshot from the database at most every DEGRADED_REBUILD_SECONDS and keeps it
in memory; when the database cannot be reached either, it serves the last snapshot it has,
whose `built_at` the pages show ("figures as of 21:40").

Homes offered by residents (apartments, private homes) are put in with their district and
the coordinators' phone only (COORDINATION_PHONE): never the exact address, coordinates or
the host's phone, which a household hears when places are held for it.
"""

import gzip
import hashlib
import logging
import threading
import time as time_module
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import F, Max
from django.utils import timezone
from redis import RedisError

from shelter.models import PRIVATE_KINDS, TAKING_PEOPLE, Shelter, Space

from .households.places import shelter_admits
from .models import MealOffer
from .offers.selectors import OfferFigures, offer_figures

logger = logging.getLogger(__name__)

VERSION_KEY = "public:version"
SNAPSHOT_KEY = "public:snapshot:{version}"
# (version, time.time() it was built) of the newest snapshot stored, and the rebuild's lock.
LATEST_KEY = "public:latest"
BUILD_KEY = "public:building"
BUILD_LOCK_SECONDS = 10  # a builder that died lets another rebuild after this long
# Every change invalidates at once; the short lifetime bounds how stale a snapshot can be
# when an invalidation was lost (Redis unreachable at the moment of the change).
SNAPSHOT_TTL = 60
# Without the cache, each process rebuilds from the database at most this often.
DEGRADED_REBUILD_SECONDS = 5
# Figures older than this are shown with their time ("figures as of 21:40").
SNAPSHOT_USUAL_AGE = timedelta(minutes=2)
# Errors of an unreachable cache (redis-py's, and the sockets' beneath them).
CACHE_ERRORS = (RedisError, OSError)
# Guards what each process keeps for itself: rendered pages and the cache-less snapshot.
_local_lock = threading.Lock()


@dataclass(frozen=True)
class PublicShelter:
    id: int
    name: str
    kind: str
    address: str
    city: str
    district: str
    latitude: float | None
    longitude: float | None
    phone: str
    accepts_families: bool
    women_children_only: bool
    men_only: bool
    pets_allowed: bool
    wheelchair_accessible: bool
    has_showers: bool
    has_kitchen: bool
    has_heating: bool
    has_wifi: bool
    opens_at: time | None
    closes_at: time | None
    public_notes: str
    status: str
    places: int
    occupied: int
    free: int
    largest_free_space: int
    updated_at: datetime | None
    # A resident's flat or house: address and coordinates left out, phone the coordinators'.
    is_private_home: bool = False

    @property
    def takes_people(self) -> bool:
        return self.status in TAKING_PEOPLE

    @property
    def is_full(self) -> bool:
        return self.free <= 0

    @property
    def public_status(self) -> str:
        """Full whenever no place is free, whatever the stored status says yet."""
        if self.takes_people:
            return Shelter.Status.FULL if self.is_full else Shelter.Status.OPEN
        return self.status

    def get_kind_display(self) -> str:
        return Shelter.Kind(self.kind).label

    def is_stale(self, now: datetime) -> bool:
        limit = timedelta(hours=settings.SHELTER_STALE_AFTER_HOURS)
        return self.updated_at is None or now - self.updated_at > limit


@dataclass(frozen=True)
class PublicMeal:
    id: int
    provider: str
    place: str
    address: str
    shelter_id: int | None
    city: str
    date: date
    starts_at: time
    ends_at: time
    portions: int
    remaining: int
    hot_meal: bool
    vegetarian: bool
    halal: bool
    for_children: bool
    delivery: str
    public_notes: str = ""  # the provider's words for everyone ("plov and tea")

    def get_delivery_display(self) -> str:
        return MealOffer.Delivery(self.delivery).label

    def is_current(self, now: datetime) -> bool:
        local = timezone.localtime(now)
        return self.date > local.date() or (
            self.date == local.date() and self.ends_at > local.time()
        )


@dataclass(frozen=True)
class Snapshot:
    version: int
    shelters: list[PublicShelter] = field(default_factory=list)
    meals: list[PublicMeal] = field(default_factory=list)
    built_at: datetime = field(default_factory=timezone.now)
    # "N places offered by residents, M checked and ready": sums only, nothing personal.
    offers: OfferFigures = field(default_factory=OfferFigures)

    def is_old(self, now: datetime) -> bool:
        """Older than a snapshot ever is while the cache and the database answer."""
        return now - self.built_at > SNAPSHOT_USUAL_AGE


# After a cache error this process leaves the cache alone for a few seconds, so a Redis that
# hangs rather than refuses costs one timeout per process, not one per request.
CACHE_RETRY_SECONDS = 3
_cache_down_until = 0.0


class CacheSkipped(RedisError):
    """The cache failed a moment ago: not asked again yet."""


def _cached(method: str, *args, **kwargs):
    """cache.<method>(...) behind the breaker: raises a CACHE_ERRORS error when it is open."""
    global _cache_down_until
    if time_module.monotonic() < _cache_down_until:
        raise CacheSkipped(method)
    try:
        return getattr(cache, method)(*args, **kwargs)
    except CACHE_ERRORS:
        _cache_down_until = time_module.monotonic() + CACHE_RETRY_SECONDS
        raise


def current_version() -> int:
    version = _cached("get", VERSION_KEY)
    if version is None:
        _cached("add", VERSION_KEY, 1, timeout=None)
        version = _cached("get", VERSION_KEY, 1)
    return version


def _served_version() -> int:
    """The version readers get: the current one, unless the newest snapshot built is
    younger than PUBLIC_REBUILD_SECONDS (then that one: a burst of changes waits for the
    next rebuild). One round trip to the cache."""
    found = _cached("get_many", [VERSION_KEY, LATEST_KEY])
    version = found.get(VERSION_KEY)
    if version is None:
        version = current_version()
    latest = found.get(LATEST_KEY)
    young = latest is not None and time_module.time() - latest[1] < settings.PUBLIC_REBUILD_SECONDS
    return latest[0] if young else version


def version_now() -> int:
    """The version a page shows, also while the cache is unreachable (then the local one)."""
    try:
        return _served_version()
    except CACHE_ERRORS:
        return _degraded_snapshot().version


def invalidate() -> None:
    """Make the next reader rebuild; called once the change has committed. Never raises.

    With the cache unreachable the bump is lost; the snapshot's short lifetime (SNAPSHOT_TTL)
    then bounds how long the old figures can be served once the cache is back.
    """
    try:
        try:
            _cached("incr", VERSION_KEY)
        except ValueError:  # no version yet: nothing cached to invalidate
            _cached("add", VERSION_KEY, 1, timeout=None)
    except CACHE_ERRORS:
        logger.warning("cache unreachable: public snapshot not invalidated")
    with _local_lock:
        _degraded["snapshot"] = None  # this process's own fallback rebuilds too


def invalidate_on_commit() -> None:
    transaction.on_commit(invalidate, robust=True)


def snapshot() -> Snapshot:
    """The current snapshot, from the cache when it holds this version (no database query).

    Falls back to a snapshot kept in this process when the cache is unreachable.
    """
    try:
        version = _served_version()
        cached = _cached("get", SNAPSHOT_KEY.format(version=version))
        if cached is None:
            cached = _latest_while_another_builds()
    except CACHE_ERRORS:
        logger.warning("cache unreachable: public snapshot from this process")
        return _degraded_snapshot()
    if cached is None:
        cached = _build(version)
        try:
            _cached("set", SNAPSHOT_KEY.format(version=version), cached, SNAPSHOT_TTL)
            _cached("set", LATEST_KEY, (version, time_module.time()), SNAPSHOT_TTL)
            _cached("delete", BUILD_KEY)
        except CACHE_ERRORS:
            logger.warning("cache unreachable: public snapshot not stored")
    return cached


def _latest_while_another_builds() -> Snapshot | None:
    """None when this process should build (it took the lock, or there is nothing to serve
    meanwhile); otherwise the newest snapshot, while another process builds the next."""
    if _cached("add", BUILD_KEY, 1, timeout=BUILD_LOCK_SECONDS):
        return None
    latest = _cached("get", LATEST_KEY)
    if latest is None:
        return None
    return _cached("get", SNAPSHOT_KEY.format(version=latest[0]))


_degraded: dict[str, Snapshot | float | None] = {"snapshot": None, "built": 0.0, "last": None}


def _degraded_snapshot() -> Snapshot:
    """Without the cache: rebuilt from the database every few seconds, kept in this process.

    Without the database too, the last snapshot this process built (its `built_at` tells
    how old); only a process that never built one has nothing to serve and raises.
    """
    now = time_module.monotonic()
    with _local_lock:
        kept, built = _degraded["snapshot"], _degraded["built"]
    if kept is not None and now - built < DEGRADED_REBUILD_SECONDS:
        return kept
    try:
        # A version of its own, moving with each rebuild, so "refresh by itself" still works.
        fresh = _build(version=-int(time_module.time()))
    except DatabaseError:
        last = _degraded["last"]
        if last is None:
            raise
        logger.warning("database unreachable: public figures as of %s", last.built_at)
        return last
    with _local_lock:
        _degraded.update(snapshot=fresh, built=now, last=fresh)
    return fresh


PAGE_KEY = "public:page:{version}:{minute}:{variant}"
PAGE_TTL = 120
DEGRADED_PAGE_SECONDS = 2  # without the cache, a process reuses its own render this long
LOCAL_PAGES = 256  # most variants one process keeps (filters x languages in practice)


@dataclass(frozen=True)
class Page:
    body: bytes
    gzipped: bytes  # served as is to browsers that accept gzip: small on a weak network


_local_pages: OrderedDict[str, tuple[float, Page]] = OrderedDict()


def cached_page(variant: str, render: Callable[[Snapshot], bytes]) -> Page:
    """A rendered public page or API body, shared by every visitor asking for the same thing.

    Keyed by snapshot version, the current minute (the "updated N minutes ago" labels move
    on) and `variant` (a normalised path, filters and language), so a crowd costs one render
    a minute. Each process also keeps the page for PUBLIC_PAGE_LOCAL_SECONDS, which spares
    the trip to Redis under a crowd at the price of being that many seconds behind.
    """
    local_seconds = settings.PUBLIC_PAGE_LOCAL_SECONDS
    now = time_module.monotonic()
    if local_seconds:
        with _local_lock:
            hit = _local_pages.get(variant)
        if hit and hit[0] > now:
            return hit[1]
    minute = int(timezone.now().timestamp() // 60)
    key = PAGE_KEY.format(version=version_now(), minute=minute, variant=variant)
    shared = True
    try:
        page = _cached("get", key)
    except CACHE_ERRORS:
        page, shared = None, False
    if page is None:
        snap = snapshot()
        # Stored under the version it shows: the newest snapshot served while another
        # process builds the current one must not pass for the current one.
        key = PAGE_KEY.format(version=snap.version, minute=minute, variant=variant)
        body = render(snap)
        page = Page(body=body, gzipped=gzip.compress(body, compresslevel=6))
        if shared:
            try:
                _cached("set", key, page, PAGE_TTL)
            except CACHE_ERRORS:
                shared = False
    if not shared:  # no cache: each process keeps its own render a little longer
        local_seconds = max(local_seconds, DEGRADED_PAGE_SECONDS)
    if local_seconds:
        with _local_lock:
            _local_pages[variant] = (now + local_seconds, page)
            _local_pages.move_to_end(variant)
            while len(_local_pages) > LOCAL_PAGES:
                _local_pages.popitem(last=False)
    return page


def _accepts_gzip(header: str) -> bool:
    for part in header.split(","):
        coding, _sep, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def page_response(request, page: Page, content_type: str = "text/html; charset=utf-8"):
    """An HttpResponse with the gzipped body when the client accepts it."""
    from django.http import HttpResponse

    if _accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        response = HttpResponse(page.gzipped, content_type=content_type)
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(page.body, content_type=content_type)
    response["Vary"] = "Accept-Encoding"  # a new response: nothing to merge with yet
    return response


def _build(version: int) -> Snapshot:
    largest_free = {}
    for shelter_id, free in Space.objects.annotate(
        free_now=F("places") - F("blocked") - F("held") - F("occupied")
    ).values_list("shelter_id", "free_now"):
        largest_free[shelter_id] = max(free, largest_free.get(shelter_id, 0))
    shelters = [
        _public_shelter(row, largest_free.get(row.pk, 0))
        for row in Shelter.objects.with_counts()
        .annotate(last_counted=Max("spaces__counted_at"))
        .order_by("pk")
    ]
    meals = [
        _public_meal(offer)
        for offer in MealOffer.objects.current(timezone.now())
        .with_remaining()
        .select_related("provider", "shelter")
    ]
    return Snapshot(version=version, shelters=shelters, meals=meals, offers=offer_figures())


def _public_shelter(row: Shelter, largest_free_space: int) -> PublicShelter:
    if row.marked_full:  # a coordinator's decision: nobody should be sent there now
        free = largest_free_space = 0
    else:
        free = max(row.total_free, 0)
    private = row.kind in PRIVATE_KINDS
    located = row.latitude is not None and not private
    return PublicShelter(
        id=row.pk,
        name=row.name,
        kind=row.kind,
        address="" if private else row.address,
        city=row.city,
        district=row.district,
        latitude=float(row.latitude) if located else None,
        longitude=float(row.longitude) if located else None,
        phone=_coordination_phone() if private else row.phone,
        is_private_home=private,
        accepts_families=row.accepts_families,
        women_children_only=row.women_children_only,
        men_only=row.men_only,
        pets_allowed=row.pets_allowed,
        wheelchair_accessible=row.wheelchair_accessible,
        has_showers=row.has_showers,
        has_kitchen=row.has_kitchen,
        has_heating=row.has_heating,
        has_wifi=row.has_wifi,
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        public_notes=row.public_notes,
        status=row.status,
        places=row.total_places,
        occupied=row.total_occupied,
        free=free,
        largest_free_space=max(largest_free_space, 0),
        updated_at=row.last_counted,
    )


def _coordination_phone() -> str:
    return getattr(settings, "COORDINATION_PHONE", "")


def _meal_address(offer: MealOffer) -> str:
    """Where to go for it; a meal served in a resident's home gives its district only."""
    if not offer.shelter_id:
        return offer.address
    if offer.shelter.kind in PRIVATE_KINDS:
        return ", ".join(part for part in (offer.shelter.district, offer.shelter.city) if part)
    return offer.shelter.address


def _public_meal(offer: MealOffer) -> PublicMeal:
    return PublicMeal(
        id=offer.pk,
        provider=offer.provider.name,
        place=offer.shelter.name if offer.shelter_id else offer.address,
        address=_meal_address(offer),
        shelter_id=offer.shelter_id,
        city=offer.city,
        date=offer.date,
        starts_at=offer.starts_at,
        ends_at=offer.ends_at,
        portions=offer.portions,
        remaining=offer.remaining,
        hot_meal=offer.hot_meal,
        vegetarian=offer.vegetarian,
        halal=offer.halal,
        for_children=offer.for_children,
        delivery=offer.delivery,
        public_notes=offer.public_notes,
    )


@dataclass(frozen=True)
class LoneMan:
    """A man travelling alone, as the placement rules see a household (`shelter_admits`)."""

    is_family: bool = False
    women_children_only: bool = False
    has_pets: bool = False
    needs_wheelchair: bool = False


@dataclass(frozen=True)
class PublicFilters:
    """The filters of the public page and API (plain GET parameters)."""

    family: bool = False
    women_children: bool = False
    single_man: bool = False
    pets: bool = False
    wheelchair: bool = False
    group: int | None = None
    city: str = ""
    district: str = ""

    @property
    def key(self) -> str:
        """A short, cache-safe name for this combination of filters."""
        return hashlib.sha1(repr(self).encode(), usedforsecurity=False).hexdigest()[:16]

    @property
    def chosen(self) -> int:
        """How many filters are set (the page says so on its folded filter box)."""
        return sum(bool(getattr(self, name)) for name in self.__dataclass_fields__)

    def admits(self, shelter: PublicShelter) -> bool:
        if self.family and (not shelter.accepts_families or shelter.men_only):
            return False
        if self.women_children and shelter.men_only:
            return False
        # The rules of "find a place" for a household of one man: every shelter but those
        # for women and children only (there is no "families only" rule to leave out).
        if self.single_man and not shelter_admits(shelter, LoneMan()):
            return False
        if self.district and shelter.district.casefold() != self.district.casefold():
            return False
        if self.pets and not shelter.pets_allowed:
            return False
        if self.wheelchair and not shelter.wheelchair_accessible:
            return False
        if self.group and shelter.largest_free_space < self.group:
            return False
        return not self.city or shelter.city.casefold() == self.city.casefold()


def shelters_for_public(snap: Snapshot, filters: PublicFilters) -> list[PublicShelter]:
    """Shelters taking people that pass the filters: most free places first, full ones last."""
    chosen = [s for s in snap.shelters if s.takes_people and filters.admits(s)]
    return sorted(chosen, key=lambda s: (s.is_full, -s.free, s.name))


def districts(snap: Snapshot) -> list[str]:
    """The districts of the shelters taking people, for the page's district filter."""
    return sorted({s.district for s in snap.shelters if s.takes_people and s.district})


def shelters_for_api(snap: Snapshot, filters: PublicFilters) -> list[PublicShelter]:
    """Every shelter passing the filters (closed ones too, with their status), by id."""
    return [s for s in snap.shelters if filters.admits(s)]


def meals_now(snap: Snapshot, now: datetime) -> list[PublicMeal]:
    """Offers whose window has not passed at `now` (the snapshot may be minutes old)."""
    return [meal for meal in snap.meals if meal.is_current(now)]


def shelter_by_id(snap: Snapshot, shelter_id: int) -> PublicShelter | None:
    return next((s for s in snap.shelters if s.id == shelter_id), None)
