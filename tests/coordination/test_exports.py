"""Exports: they parse as CSV, the HXL one carries its hashtag row, the shareable ones hold no
personal data, the households one is for coordinators after a warning, and each is audited."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from coordination.dashboard.exports import HOUSEHOLD_COLUMNS
from coordination.households import services
from shelter import services as shelter_services
from shelter.models import AuditAction, AuditEntry, OccupancyReason, Shelter
from tests.factories import HouseholdFactory, ShelterFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET_NAME = "Zhenya Uniquename-Qwerty"
SECRET_PHONE = "+7 777 123 98 76"
VOLUNTEER_NAME = "volunteer-aigerim"


@pytest.fixture
def city(shelter, other_shelter, coordinator):
    counter = UserFactory(username=VOLUNTEER_NAME)
    for space in shelter.spaces.all():
        shelter_services.occupancy_change(
            space_id=space.pk, delta=5, reason=OccupancyReason.COUNT, by=counter
        )
    staying = HouseholdFactory(contact_name=SECRET_NAME, phone=SECRET_PHONE, size=2)
    services.stay_check_in(
        household_id=staying.pk, space_id=other_shelter.spaces.first().pk, by=coordinator
    )
    HouseholdFactory(contact_name="=HYPERLINK(evil)", phone="@ivan_tg", size=1)
    ShelterFactory(name="Aktobe gym", city="Aktobe")
    return staying


def _rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _assert_no_personal_data(response) -> None:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    for secret in (SECRET_NAME, "Uniquename", SECRET_PHONE, "123 98 76", VOLUNTEER_NAME):
        assert secret.encode() not in body


def test_shelters_csv_parses_with_the_dashboard_figures(as_user, coordinator, city):
    response = as_user(coordinator).get(reverse("coordination:export_shelters"))
    assert response["Content-Disposition"] == 'attachment; filename="shelters.csv"'
    rows = _rows(response)
    header, body = rows[0], rows[1:]
    assert header[:4] == ["id", "name", "kind", "status"]
    by_name = {row[1]: dict(zip(header, row, strict=True)) for row in body}
    assert set(by_name) == {"Cinema Park", "Yunost gym", "Aktobe gym"}
    cinema = by_name["Cinema Park"]
    assert (cinema["places"], cinema["occupied"], cinema["free"]) == ("30", "10", "20")
    assert by_name["Yunost gym"]["occupied"] == "2"
    _assert_no_personal_data(response)


def test_the_filters_apply_to_the_export(as_user, coordinator, city):
    rows = _rows(
        as_user(coordinator).get(reverse("coordination:export_shelters"), {"city": "Aktobe"})
    )
    assert [row[1] for row in rows[1:]] == ["Aktobe gym"]


def test_hxl_csv_carries_the_hashtag_row_and_no_personal_data(as_user, coordinator, city):
    response = as_user(coordinator).get(reverse("coordination:export_shelters_hxl"))
    rows = _rows(response)
    assert rows[0][:2] == ["id", "name"]
    assert rows[1][:2] == ["#loc+id", "#loc+name"]
    assert all(tag.startswith("#") for tag in rows[1])
    assert {"#capacity", "#reached", "#capacity+free", "#adm2+name"} <= set(rows[1])
    names = {row[1] for row in rows[2:]}
    assert names == {"Cinema Park", "Yunost gym", "Aktobe gym"}
    _assert_no_personal_data(response)


def test_the_public_hxl_file_is_the_same(client, as_user, coordinator, city):
    public = _rows(client.get(reverse("shelters_csv")))
    dashboard = _rows(as_user(coordinator).get(reverse("coordination:export_shelters_hxl")))
    assert dashboard == public


def test_occupancy_csv_is_the_weeks_hours(as_user, coordinator, city):
    response = as_user(coordinator).get(reverse("coordination:export_history"))
    rows = _rows(response)
    assert rows[0] == ["at", "places", "occupied"]
    assert len(rows) == 1 + 169 + 1  # header, every hour boundary of the week, now
    assert rows[-1][1:] == ["80", "12"]  # now: Cinema Park 30 + Yunost 50 places, 10 + 2 people
    _assert_no_personal_data(response)


def test_households_export_warns_first(as_user, coordinator, city):
    client = as_user(coordinator)
    page = client.get(reverse("coordination:export_households"))
    assert page.status_code == 200
    assert "This file holds personal data." in page.content.decode()
    unconfirmed = client.post(reverse("coordination:export_households"), {"status": "all"})
    assert unconfirmed.status_code == 200
    assert unconfirmed["Content-Type"].startswith("text/html")
    assert not AuditEntry.objects.exists()


def test_households_export_after_confirming(as_user, coordinator, city):
    response = as_user(coordinator).post(
        reverse("coordination:export_households"), {"status": "active", "personal_data": "on"}
    )
    assert response["Content-Disposition"].startswith('attachment; filename="households-active-')
    assert response["Cache-Control"] == "no-store"
    rows = _rows(response)
    assert rows[0] == HOUSEHOLD_COLUMNS
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    staying = next(r for r in records if r["contact_name"] == SECRET_NAME)
    assert (staying["phone"], staying["status"], staying["shelter_now"]) == (
        SECRET_PHONE,  # a phone number stays as it is
        "placed",
        "Yunost gym",
    )
    # what a spreadsheet would run as a formula is defused
    tricky = next(r for r in records if "HYPERLINK" in r["contact_name"])
    assert (tricky["contact_name"], tricky["phone"]) == ("'=HYPERLINK(evil)", "'@ivan_tg")


def test_only_coordinators_export_households(as_user, volunteer, manager, city):
    for user in (volunteer, manager):
        response = as_user(user).post(
            reverse("coordination:export_households"), {"status": "all", "personal_data": "on"}
        )
        assert response.status_code == 403
    assert not AuditEntry.objects.exists()


def test_every_export_is_audited_who_when_what(as_user, coordinator, city):
    client = as_user(coordinator)
    client.get(reverse("coordination:export_shelters"), {"city": "Uralsk", "kind": "other"})
    client.get(reverse("coordination:export_shelters_hxl"))
    client.get(reverse("coordination:export_history"))
    client.post(
        reverse("coordination:export_households"), {"status": "waiting", "personal_data": "on"}
    )
    entries = list(AuditEntry.objects.order_by("pk"))
    assert all(e.action == AuditAction.EXPORT and e.by == coordinator and e.at for e in entries)
    assert [e.what for e in entries] == [
        "shelters.csv city=Uralsk kind=other: 2 rows",
        "shelters-hxl.csv: 3 rows",
        "occupancy.csv: 170 rows",
        "households.csv personal_data=confirmed status=waiting: 1 rows",
    ]
    assert entries[-1].details == {
        "export": "households.csv",
        "filters": {"status": "waiting", "personal_data": "confirmed"},
        "rows": 1,
    }


ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def test_every_export_writes_times_one_way_with_the_citys_offset(
    as_user, client, coordinator, shelter
):
    space = shelter.spaces.first()
    shelter_services.occupancy_change(
        space_id=space.pk, delta=1, reason=OccupancyReason.COUNT, by=None
    )
    space.refresh_from_db()  # counted_at is the database's clock
    registered = datetime(2026, 11, 30, 16, 40, 5, 123456, tzinfo=UTC)  # 21:40:05 in Uralsk
    with time_machine.travel(registered, tick=False):
        HouseholdFactory(size=1)
    staff = as_user(coordinator)
    shelters = _records(staff.get(reverse("coordination:export_shelters")))
    hxl = _records(staff.get(reverse("coordination:export_shelters_hxl")), skip=1)
    public_hxl = _records(client.get(reverse("shelters_csv")), skip=1)
    history = _records(staff.get(reverse("coordination:export_history")))
    households = _records(
        staff.post(
            reverse("coordination:export_households"), {"status": "all", "personal_data": "on"}
        )
    )
    counted = timezone.localtime(space.counted_at).isoformat(timespec="seconds")
    assert counted.endswith("+05:00")  # Asia/Oral, the city's time zone
    assert shelters[0]["last_counted_at"] == counted
    assert hxl[0]["updated_at"] == public_hxl[0]["updated_at"] == counted
    assert households[0]["registered"] == "2026-11-30T21:40:05+05:00"
    assert households[0]["waiting_since"] == "2026-11-30T21:40:05+05:00"
    every_time = [
        *(row["last_counted_at"] for row in shelters),
        *(row["updated_at"] for row in hxl + public_hxl),
        *(row["at"] for row in history),
        *(row[field] for row in households for field in ("registered", "waiting_since")),
    ]
    assert len(every_time) == 1 + 2 + 170 + 2  # one shelter, the week by the hour, one household
    assert all(ISO_WITH_OFFSET.match(value) and value.endswith("+05:00") for value in every_time)


def test_hxl_carries_the_public_phone_and_the_rules(client, shelter):
    Shelter.objects.filter(pk=shelter.pk).update(
        phone="+7 711 250 11 00", accepts_families=False, men_only=True, wheelchair_accessible=True
    )
    rows = _rows(client.get(reverse("shelters_csv")))
    tags = rows[1]
    record = dict(zip(tags, rows[2], strict=True))
    assert record["#contact+phone"] == "+7 711 250 11 00"
    assert (
        record["#indicator+families"],
        record["#indicator+women_children_only"],
        record["#indicator+men_only"],
        record["#indicator+pets"],
        record["#indicator+wheelchair"],
    ) == ("no", "no", "yes", "no", "yes")
    assert dict(zip(rows[0], rows[2], strict=True))["phone"] == "+7 711 250 11 00"


def test_the_public_hxl_file_defuses_formulas(client):
    ShelterFactory(name="=HYPERLINK(evil)")
    rows = _rows(client.get(reverse("shelters_csv")))
    assert rows[2][1] == "'=HYPERLINK(evil)"


def _records(response, skip: int = 0) -> list[dict]:
    rows = _rows(response)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1 + skip :]]


def test_coordinators_files_open_in_excel_with_cyrillic_and_hxl_stays_byte_for_byte(
    client, as_user, coordinator, city
):
    """A byte-order mark first: Excel on Windows then reads UTF-8 (Cyrillic names), not the
    local code page. The HXL file is the public one exactly, for the tools that read it."""
    staff = as_user(coordinator)
    for name in ("coordination:export_shelters", "coordination:export_history"):
        assert staff.get(reverse(name)).content.startswith(b"\xef\xbb\xbf"), name
    hxl = staff.get(reverse("coordination:export_shelters_hxl")).content
    assert hxl == client.get(reverse("shelters_csv")).content
