"""CSV exports for authorities and other aid groups, and the households list for coordinators.

Shelter exports hold no personal data (no household, no volunteer names). The households
export does; the views allow it to coordinators only, after a warning. Every export is
recorded in the audit log (`services.export_record`) before the file is sent. Every moment
is written the same way: ISO 8601 in the city's time with its offset (`export_time`).
"""

from collections.abc import Iterator

from django.db.models import OuterRef, Subquery

from shelter.spreadsheets import export_time, yes_no

from .. import public
from ..api import hxl_rows
from ..models import Household, HouseholdStatus, Stay
from .selectors import DashboardFilters, ShelterFigures

HOUSEHOLD_STATUSES = {
    "waiting": [HouseholdStatus.WAITING],
    "placed": [HouseholdStatus.PLACED],
    "active": [HouseholdStatus.WAITING, HouseholdStatus.PLACED],
    "left": [HouseholdStatus.LEFT],
    "all": list(HouseholdStatus),
}


SHELTER_COLUMNS = [
    "id",
    "name",
    "kind",
    "status",
    "marked_full",
    "city",
    "district",
    "address",
    "latitude",
    "longitude",
    "places",
    "occupied",
    "held",
    "blocked",
    "free",
    "used_percent",
    "last_counted_at",
    "stale",
]


def shelter_rows(shelters: list[ShelterFigures]) -> Iterator[list]:
    """Shelters with their figures as on the dashboard (selectors.shelters_with_figures)."""
    yield SHELTER_COLUMNS
    for s in shelters:
        yield [
            s.pk,
            s.name,
            s.kind,
            s.status,
            yes_no(s.marked_full),
            s.city,
            s.district,
            s.address,
            s.latitude if s.latitude is not None else "",
            s.longitude if s.longitude is not None else "",
            s.total_places,
            s.total_occupied,
            s.total_held,
            s.total_blocked,
            s.free_now,
            s.used_percent,
            export_time(s.last_counted_at),
            yes_no(s.is_stale),
        ]


def shelter_hxl_rows(snapshot: public.Snapshot, filters: DashboardFilters) -> Iterator[list]:
    """The public HXL export (api.hxl_rows, from the public snapshot), with the dashboard's
    filters: the very file anyone may download from /api/v1/shelters.csv."""
    shelters = public.shelters_for_api(snapshot, public.PublicFilters(city=filters.city))
    chosen = [
        s
        for s in shelters
        if (not filters.kind or s.kind == filters.kind)
        and (not filters.status or s.public_status == filters.status)
    ]
    return hxl_rows(chosen)


def history_rows(points) -> Iterator[list]:
    """The data behind the week's chart: places and people at each hour."""
    yield ["at", "places", "occupied"]
    for point in points:
        yield [export_time(point.at), point.places, point.occupied]


HOUSEHOLD_COLUMNS = [
    "id",
    "status",
    "size",
    "children",
    "infant",
    "women_children_only",
    "pets",
    "wheelchair",
    "medical",
    "languages",
    "contact_name",
    "phone",
    "arrived_from",
    "registered_at",
    "registered",
    "waiting_since",
    "left_at",
    "shelter_now",
    "space_now",
]


def households(status: str):
    """Households of a status group with where they stay now, for streaming (values only)."""
    open_stay = Stay.objects.filter(household=OuterRef("pk"), checked_out_at__isnull=True)
    return (
        Household.objects.filter(status__in=HOUSEHOLD_STATUSES[status])
        .annotate(
            shelter_now=Subquery(open_stay.values("space__shelter__name")[:1]),
            space_now=Subquery(open_stay.values("space__name")[:1]),
        )
        .order_by("pk")
        .values_list(
            "pk",
            "status",
            "size",
            "children",
            "has_infant",
            "women_children_only",
            "has_pets",
            "needs_wheelchair",
            "needs_medical",
            "languages",
            "contact_name",
            "phone",
            "arrived_from",
            "registered_at__name",
            "created_at",
            "waiting_since",
            "left_at",
            "shelter_now",
            "space_now",
        )
    )


def household_rows(rows) -> Iterator[list]:
    yield HOUSEHOLD_COLUMNS
    for row in rows.iterator(chunk_size=2000):  # a server-side cursor: 100,000 rows stream
        values = list(row)
        for index in (4, 5, 6, 7, 8):
            values[index] = yes_no(values[index])
        for index in (14, 15, 16):
            values[index] = export_time(values[index])
        yield ["" if value is None else value for value in values]
