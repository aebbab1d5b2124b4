"""Reads for the offers' pages, the dashboard, the public snapshot and "find a place"."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from shelter.models import TAKING_PEOPLE, Space

from ..models import Hold, HoldStatus, Stay
from .models import OFFERED, FollowUpCall, HostLink, HostLinkUse, HostOffer, OfferStatus

FOLLOW_UP_AFTER = timedelta(days=1)  # "call the family on day 2"
LINK_USES_SHOWN = 20


def needs_checked_place(household) -> bool:
    """Women and children on their own, or children without an adult (also services')."""
    return household.women_children_only or household.children >= household.size


def spaces_checked_for(household, spaces: QuerySet[Space]) -> QuerySet[Space]:
    """Annotate `host_unchecked` (a resident's home nobody has visited yet: "not yet checked"
    wherever a place is chosen), and leave those out for a household that needs a visited
    one. The services refuse them too (services.placement_check), under the shelter lock."""
    unchecked = HostOffer.objects.filter(shelter=OuterRef("shelter"), visited_at__isnull=True)
    spaces = spaces.annotate(host_unchecked=Exists(unchecked))
    if needs_checked_place(household):
        spaces = spaces.filter(host_unchecked=False)
    return spaces


@dataclass(frozen=True)
class OfferFigures:
    """Residents' places: offered (new or approved), checked (called back and address
    confirmed), ready (approved and taking people), in use (people there or on their way)."""

    offered: int = 0
    checked: int = 0
    ready: int = 0
    in_use: int = 0
    waiting: int = 0  # new offers to check


def offer_figures() -> OfferFigures:
    """Queries: 1 the offers' sums, 2 the approved places' spaces."""
    sums = HostOffer.objects.aggregate(
        offered=Coalesce(Sum("places", filter=Q(status__in=OFFERED)), 0),
        checked=Coalesce(
            Sum(
                "places",
                filter=Q(
                    status__in=OFFERED,
                    called_at__isnull=False,
                    address_confirmed_at__isnull=False,
                ),
            ),
            0,
        ),
        waiting=Count("pk", filter=Q(status=OfferStatus.NEW)),
    )
    spaces = Space.objects.filter(shelter__host_offer__status=OfferStatus.APPROVED).aggregate(
        ready=Coalesce(
            Sum(
                F("places") - F("blocked") - F("held") - F("occupied"),
                filter=Q(shelter__status__in=TAKING_PEOPLE, shelter__marked_full=False),
            ),
            0,
        ),
        in_use=Coalesce(Sum(F("occupied") + F("held")), 0),
    )
    return OfferFigures(**sums, ready=max(spaces["ready"], 0), in_use=spaces["in_use"])


@dataclass(frozen=True)
class OfferFilters:
    status: str = OfferStatus.NEW
    district: str = ""


def offers_list(filters: OfferFilters) -> list[HostOffer]:
    """Offers of a status (new by default), oldest first, optionally of one district.

    Queries: 1 (with the place, and the earlier offer of the same phone)."""
    offers = HostOffer.objects.select_related("shelter", "same_phone_as").order_by(
        "created_at", "pk"
    )
    if filters.status:
        offers = offers.filter(status=filters.status)
    if filters.district:
        offers = offers.filter(district__iexact=filters.district)
    return list(offers[:500])


def offer_districts() -> list[str]:
    return sorted(
        set(HostOffer.objects.exclude(district="").values_list("district", flat=True).distinct())
    )


def offer_detail(offer_id: int) -> HostOffer:
    return HostOffer.objects.select_related(
        "shelter",
        "same_phone_as",
        "called_by",
        "address_confirmed_by",
        "visited_by",
        "decided_by",
    ).get(pk=offer_id)


def offer_link(offer: HostOffer) -> HostLink | None:
    return offer.links.filter(revoked_at__isnull=True).first()


def offer_link_uses(offer: HostOffer) -> list[HostLinkUse]:
    return list(
        HostLinkUse.objects.filter(link__offer=offer).order_by("-at", "-pk")[:LINK_USES_SHOWN]
    )


def offers_same_phone(offer: HostOffer) -> list[HostOffer]:
    """Other offers from the same phone (a second flat, or the same one again)."""
    if not offer.phone_key:
        return []
    return list(
        HostOffer.objects.filter(phone_key=offer.phone_key).exclude(pk=offer.pk).order_by("pk")
    )


@dataclass
class HostView:
    """What a host sees on their link: their own place, guests on the way and staying."""

    offer: HostOffer
    space: Space
    coming: list[Hold]  # with household
    staying: list[Stay]  # with household


def host_view(offer: HostOffer) -> HostView:
    """Queries: 1 the space, 2 the active holds there with households, 3 the open stays."""
    space = Space.objects.select_related("shelter").filter(shelter_id=offer.shelter_id).first()
    coming = (
        Hold.objects.filter(space__shelter_id=offer.shelter_id, status=HoldStatus.ACTIVE)
        .select_related("household")
        .order_by("expires_at", "pk")
    )
    staying = (
        Stay.objects.filter(space__shelter_id=offer.shelter_id, checked_out_at__isnull=True)
        .select_related("household")
        .order_by("checked_in_at", "pk")
    )
    return HostView(offer=offer, space=space, coming=list(coming), staying=list(staying))


def follow_ups_due(*, now: datetime) -> list[Stay]:
    """Stays in residents' homes that began over a day ago and whose family nobody has called
    yet, oldest first: "call the family on day 2", listed until a coordinator records it."""
    done = FollowUpCall.objects.filter(stay=OuterRef("pk"))
    return list(
        Stay.objects.filter(
            space__shelter__host_offer__isnull=False, checked_in_at__lte=now - FOLLOW_UP_AFTER
        )
        .exclude(Exists(done))
        .select_related("household", "space__shelter")
        .order_by("checked_in_at", "pk")[:100]
    )


def holds_to_suspended() -> list[Hold]:
    """Households on their way to a host who was suspended: call them, send them elsewhere."""
    return list(
        Hold.objects.filter(
            status=HoldStatus.ACTIVE, space__shelter__host_offer__status=OfferStatus.SUSPENDED
        )
        .select_related("household", "space__shelter")
        .order_by("expires_at", "pk")
    )


@dataclass
class DashboardOffers:
    figures: OfferFigures
    follow_ups: list[Stay]
    to_suspended: list[Hold]


def dashboard_offers(*, now: datetime) -> DashboardOffers:
    """Queries: 1-2 the figures, 3 the follow-up calls due, 4 the holds to suspended hosts."""
    return DashboardOffers(
        figures=offer_figures(),
        follow_ups=follow_ups_due(now=now),
        to_suspended=holds_to_suspended(),
    )


def offers_to_purge(*, inactive_since: datetime):
    """Offers whose host's data is due: rejected or withdrawn before `inactive_since`, or new
    and untouched since then; with a place, none of its stays open or ended since, no hold
    active. Approved and suspended hosts are kept (their place is in use)."""
    since = inactive_since
    recent_stay = Stay.objects.filter(space__shelter=OuterRef("shelter")).filter(
        Q(checked_out_at__isnull=True) | Q(checked_out_at__gte=since)
    )
    active_hold = Hold.objects.filter(space__shelter=OuterRef("shelter"), status=HoldStatus.ACTIVE)
    ended = Q(status__in=[OfferStatus.REJECTED, OfferStatus.WITHDRAWN], ended_at__lt=since)
    forgotten = Q(status=OfferStatus.NEW, created_at__lt=since) & (
        Q(resubmitted_at__isnull=True) | Q(resubmitted_at__lt=since)
    )
    return (
        HostOffer.objects.filter(anonymised_at__isnull=True)
        .filter(ended | forgotten)
        .exclude(Exists(recent_stay))
        .exclude(Exists(active_hold))
    )
