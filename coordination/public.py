"""The public snapshot: every shelter's public fields and counts, and current meal offers.

Thousands of people refreshing at a border crossing read this from the cache (Redis when
REDIS_URL is set), not from the database. Any change bumps a version number; a snapshot is
stored under its version, so a rebuild racing with a change can never be served as current.
No personal data is ever put in here.
"""

import gzip
import hashlib
import threading
import time as time_module
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from shelter.models import TAKING_PEOPLE, Shelter, Space

from .models import MealOffer

VERSION_KEY = "public:version"
SNAPSHOT_KEY = "public:snapshot:{version}"
SNAPSHOT_TTL = 24 * 3600  # a safety net: every change invalidates long before


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


def current_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def invalidate() -> None:
    """Make the next reader rebuild; called once the change has committed."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet: nothing cached to invalidate
        cache.add(VERSION_KEY, 1, timeout=None)


def invalidate_on_commit() -> None:
    transaction.on_commit(invalidate)


def snapshot() -> Snapshot:
    """The current snapshot, from the cache when it holds this version (no database query)."""
    version = current_version()
    key = SNAPSHOT_KEY.format(version=version)
    cached = cache.get(key)
    if cached is None:
        cached = _build(version)
        cache.set(key, cached, SNAPSHOT_TTL)
    return cached


PAGE_KEY = "public:page:{version}:{minute}:{variant}"
PAGE_TTL = 120
LOCAL_PAGES = 256  # most variants one process keeps (filters x languages in practice)


@dataclass(frozen=True)
class Page:
    body: bytes
    gzipped: bytes  # served as is to browsers that accept gzip: small on a weak network


_local_pages: OrderedDict[str, tuple[float, Page]] = OrderedDict()
_local_lock = threading.Lock()


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
    key = PAGE_KEY.format(
        version=current_version(), minute=int(timezone.now().timestamp() // 60), variant=variant
    )
    page = cache.get(key)
    if page is None:
        body = render(snapshot())
        page = Page(body=body, gzipped=gzip.compress(body, compresslevel=6))
        cache.set(key, page, PAGE_TTL)
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
        .select_related("shelter")
    ]
    return Snapshot(version=version, shelters=shelters, meals=meals)


def _public_shelter(row: Shelter, largest_free_space: int) -> PublicShelter:
    if row.marked_full:  # a coordinator's decision: nobody should be sent there now
        free = largest_free_space = 0
    else:
        free = max(row.total_free, 0)
    return PublicShelter(
        id=row.pk,
        name=row.name,
        kind=row.kind,
        address=row.address,
        city=row.city,
        district=row.district,
        latitude=float(row.latitude) if row.latitude is not None else None,
        longitude=float(row.longitude) if row.longitude is not None else None,
        phone=row.phone,
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


def _public_meal(offer: MealOffer) -> PublicMeal:
    return PublicMeal(
        id=offer.pk,
        provider=offer.provider,
        place=offer.shelter.name if offer.shelter_id else offer.address,
        address=offer.shelter.address if offer.shelter_id else offer.address,
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
    )


@dataclass(frozen=True)
class PublicFilters:
    """The filters of the public page and API (plain GET parameters)."""

    family: bool = False
    women_children: bool = False
    pets: bool = False
    wheelchair: bool = False
    group: int | None = None
    city: str = ""

    @property
    def key(self) -> str:
        """A short, cache-safe name for this combination of filters."""
        return hashlib.sha1(repr(self).encode(), usedforsecurity=False).hexdigest()[:16]

    def admits(self, shelter: PublicShelter) -> bool:
        if self.family and (not shelter.accepts_families or shelter.men_only):
            return False
        if self.women_children and shelter.men_only:
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


def shelters_for_api(snap: Snapshot, filters: PublicFilters) -> list[PublicShelter]:
    """Every shelter passing the filters (closed ones too, with their status), by id."""
    return [s for s in snap.shelters if filters.admits(s)]


def meals_now(snap: Snapshot, now: datetime) -> list[PublicMeal]:
    """Offers whose window has not passed at `now` (the snapshot may be minutes old)."""
    return [meal for meal in snap.meals if meal.is_current(now)]


def shelter_by_id(snap: Snapshot, shelter_id: int) -> PublicShelter | None:
    return next((s for s in snap.shelters if s.id == shelter_id), None)
