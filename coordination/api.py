"""The public, read-only API (django-ninja, OpenAPI at /api/v1/openapi.json) and HXL export.

Everything here is read from the public snapshot: no personal data, no database query when
the snapshot is cached.
"""

import json
from datetime import date, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import HttpError
from pydantic import BaseModel, ValidationError

from shelter.spreadsheets import csv_lines, export_time, yes_no

from . import public
from .models import MAX_HOUSEHOLD

api = NinjaAPI(
    title="Shelter coordination public API",
    version="1",
    description="Free places in shelters and current meal offers. Read-only, no personal data.",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url=None,  # Swagger UI would load scripts from a CDN; the JSON schema is enough
)


class Rules(Schema):
    accepts_families: bool
    women_children_only: bool
    men_only: bool
    pets_allowed: bool
    wheelchair_accessible: bool


class ShelterOut(Schema):
    id: int
    name: str
    kind: str
    address: str
    city: str
    district: str
    latitude: float | None
    longitude: float | None
    phone: str
    rules: Rules
    status: str
    places: int
    occupied: int
    free: int
    largest_free_space: int
    updated_at: datetime | None
    is_private_home: bool = Field(
        description="A resident's flat or house: address and coordinates are left out and the "
        "phone is the coordinators'; the address is given to a household when places are held "
        "for it."
    )


class MealOut(Schema):
    id: int
    provider: str
    place: str
    address: str
    shelter_id: int | None
    city: str
    date: date
    starts_at: str = Field(pattern=r"^\d{2}:\d{2}$", description="local time, HH:MM")
    ends_at: str = Field(pattern=r"^\d{2}:\d{2}$", description="local time, HH:MM")
    portions: int
    remaining: int
    hot_meal: bool
    vegetarian: bool
    halal: bool
    for_children: bool
    delivery: str
    public_notes: str = Field(description="The provider's words for everyone, e.g. plov and tea")


class VersionOut(Schema):
    version: int


class ShelterFilters(BaseModel):  # plain pydantic: no per-request wrapping of the values
    family: bool = False
    women: bool = False
    single_man: bool = Field(
        False, description="a man travelling alone: every shelter but women and children only"
    )
    pet: bool = False
    wheelchair: bool = False
    group: int | None = Field(None, ge=1, le=MAX_HOUSEHOLD, description="people staying together")
    # No control characters: a NUL anywhere in the address is refused with a 400 before any
    # view (coordination.middleware), so the schema does not offer it as valid.
    city: str = Field("", max_length=80, pattern=r"^[^\x00-\x1f]*$")
    district: str = Field(
        "", max_length=80, pattern=r"^[^\x00-\x1f]*$", description="the district's name, any case"
    )

    def to_filters(self) -> public.PublicFilters:
        return public.PublicFilters(
            family=self.family,
            women_children=self.women,
            single_man=self.single_man,
            pets=self.pet,
            wheelchair=self.wheelchair,
            group=self.group,
            city=self.city,
            district=self.district.strip(),
        )


def _shelter_out(shelter: public.PublicShelter) -> dict:
    return {
        **{name: getattr(shelter, name) for name in ShelterOut.model_fields if name != "rules"},
        "status": shelter.public_status,
        "rules": {name: getattr(shelter, name) for name in Rules.model_fields},
    }


class Invalid(Schema):
    detail: list[dict]


class Refused(Schema):
    """A NUL character anywhere in the address (coordination.middleware)."""

    detail: str


@api.get(
    "/shelters/",
    response={200: list[ShelterOut], 400: Refused, 422: Invalid},
    summary="Every shelter, filtered",
)
def shelters(request, filters: Query[ShelterFilters]):
    """The contract of `shelters_list`, which answers this address (see there)."""
    return _shelters_answer(request, filters)


@require_safe  # GET, and HEAD as browsers and monitors ask
def shelters_list(request):
    """GET /api/v1/shelters/, answered without django-ninja's work per request.

    The API's most asked address (every phone's page, every bot): ninja's operation for it
    (`shelters`, above) cost about a tenth more than the answer itself, which comes from the
    cache. That operation stays the contract, in the OpenAPI schema: this view reads the same
    filters with the same pydantic model, answers the same bytes, and refuses bad filters with
    ninja's 422 (the schema tests check this view against that schema).
    """
    # As ninja reads a query string for a model without list fields: the last value of a key.
    try:
        filters = ShelterFilters.model_validate({key: request.GET[key] for key in request.GET})
    except ValidationError as exc:
        errors = [
            {**error, "loc": ["query", *error["loc"]]}
            for error in exc.errors(include_url=False, include_input=False)
        ]
        return HttpResponse(
            json.dumps({"detail": errors}, cls=DjangoJSONEncoder),
            status=422,
            content_type="application/json; charset=utf-8",
        )
    return _shelters_answer(request, filters)


def _shelters_answer(request, filters: ShelterFilters) -> HttpResponse:
    chosen = filters.to_filters()

    def build(snap: public.Snapshot) -> bytes:
        rows = [_shelter_out(s) for s in public.shelters_for_api(snap, chosen)]
        # Compact and UTF-8 as is: every byte is carried to each phone that asks.
        return json.dumps(
            rows, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False
        ).encode()

    # One serialisation per change and minute, shared by every client asking the same.
    page = public.cached_page(f"api:shelters:{chosen.key}", build)
    return public.page_response(request, page, content_type="application/json")


class NotFound(Schema):
    detail: str


@api.get(
    "/shelters/{shelter_id}/",
    response={200: ShelterOut, 400: Refused, 404: NotFound},
    summary="One shelter",
)
def shelter(request, shelter_id: int):
    found = public.shelter_by_id(public.snapshot(), shelter_id)
    if found is None:
        raise HttpError(404, "Not found")
    return _shelter_out(found)


@api.get(
    "/meals/",
    response={200: list[MealOut], 400: Refused},
    summary="Current meal offers with portions left",
)
def meals(request):
    return [
        {
            **meal.__dict__,
            "starts_at": f"{meal.starts_at:%H:%M}",
            "ends_at": f"{meal.ends_at:%H:%M}",
        }
        for meal in public.meals_now(public.snapshot(), timezone.now())
    ]


@api.get(
    "/version/",
    response={200: VersionOut, 400: Refused},
    summary="Changes whenever any public figure changes",
)
def version(request):
    return {"version": public.version_now()}


HXL_COLUMNS = [
    ("id", "#loc+id", lambda s: s.id),
    ("name", "#loc+name", lambda s: s.name),
    ("kind", "#loc+type", lambda s: s.kind),
    ("address", "#loc+address", lambda s: s.address),
    ("city", "#adm2+name", lambda s: s.city),
    ("district", "#adm3+name", lambda s: s.district),
    ("latitude", "#geo+lat", lambda s: s.latitude if s.latitude is not None else ""),
    ("longitude", "#geo+lon", lambda s: s.longitude if s.longitude is not None else ""),
    ("phone", "#contact+phone", lambda s: s.phone),
    ("status", "#status", lambda s: s.public_status),
    ("places", "#capacity", lambda s: s.places),
    ("occupied", "#reached", lambda s: s.occupied),
    ("free", "#capacity+free", lambda s: s.free),
    # The rules, as on the page: yes or no for each.
    ("accepts_families", "#indicator+families", lambda s: yes_no(s.accepts_families)),
    (
        "women_children_only",
        "#indicator+women_children_only",
        lambda s: yes_no(s.women_children_only),
    ),
    ("men_only", "#indicator+men_only", lambda s: yes_no(s.men_only)),
    ("pets_allowed", "#indicator+pets", lambda s: yes_no(s.pets_allowed)),
    ("wheelchair_accessible", "#indicator+wheelchair", lambda s: yes_no(s.wheelchair_accessible)),
    ("updated_at", "#date+updated", lambda s: export_time(s.updated_at)),
]


def hxl_rows(shelters):
    """Header, HXL hashtag row, then one row per shelter: readable by HXL tools as is."""
    yield [name for name, _tag, _value in HXL_COLUMNS]
    yield [tag for _name, tag, _value in HXL_COLUMNS]
    for shelter in shelters:
        yield [value(shelter) for _name, _tag, value in HXL_COLUMNS]


def api_index(request):
    """/api/v1/ itself (the About page names it): what there is to read, with its address."""
    return JsonResponse(
        {
            "title": api.title,
            "description": api.description,
            "shelters": reverse("api:shelters"),
            "shelter": reverse("api:shelters") + "{shelter_id}/",
            "meals": reverse("api:meals"),
            "version": reverse("api:version"),
            "shelters_hxl_csv": reverse("shelters_csv"),
            "openapi": reverse("api:openapi-json"),
        },
        json_dumps_params={"ensure_ascii": False},
    )


def shelters_csv(request):
    """Every shelter as HXL CSV. Names and addresses are typed by people, so cells that a
    spreadsheet would run as a formula are defused (shelter.spreadsheets, like every CSV)."""
    rows = hxl_rows(public.shelters_for_api(public.snapshot(), public.PublicFilters()))
    response = HttpResponse("".join(csv_lines(rows)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="shelters.csv"'
    return response
