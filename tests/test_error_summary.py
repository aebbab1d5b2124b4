"""A refused form, on every form of the project: a summary at the top of the page that says
what is wrong, links each message to its field and takes the focus."""

import re
import uuid

import pytest
from django.urls import reverse

from coordination.models import Household, MealOffer
from shelter.models import Shelter, Space

pytestmark = pytest.mark.django_db


def _summary(response) -> tuple[str, list[tuple[str, str]]]:
    """The summary's HTML and its links (target id, text); the targets must be on the page."""
    body = response.content.decode()
    found = re.search(r'<div class="[^"]*error-summary"[^>]*>.*?</ul>\s*</div>', body, re.S)
    assert found, "no error summary on the refused form's page"
    summary = found.group(0)
    links = [
        (target, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text)).strip())
        for target, text in re.findall(r'<a href="#([^"]+)">(.*?)</a>', summary, re.S)
    ]
    ids = set(re.findall(r'\sid="([^"]+)"', body))
    for target, _text in links:
        assert target in ids, f"the link #{target} leads nowhere"
    # First on the page, before any form, and focused (without JavaScript too).
    assert body.index("error-summary") < body.index("<form", body.index("<main"))
    assert re.search(r'id="error-summary" tabindex="-1" autofocus', summary)
    assert "js/error-summary.js" in body
    return summary, links


def test_refused_shelter_edit_links_every_field_in_the_summary(as_user, manager, shelter):
    """The issue's case: places below the people inside, 2,000 px down the phone's page."""
    first, second = shelter.spaces.order_by("name")
    Space.objects.filter(pk=first.pk).update(occupied=6)
    data = {
        "name": shelter.name,
        "kind": "cinema",
        "address": "Dostyk 1",
        "city": "Uralsk",
        "phone": "call us",
        "spaces-TOTAL_FORMS": "2",
        "spaces-INITIAL_FORMS": "2",
        "spaces-MIN_NUM_FORMS": "0",
        "spaces-MAX_NUM_FORMS": "200",
        "spaces-0-id": first.pk,
        "spaces-0-name": "Auditorium 1",
        "spaces-0-places": "5",
        "spaces-1-id": second.pk,
        "spaces-1-name": "Auditorium 2",
        "spaces-1-places": "20",
        "spaces-1-floor_area_m2": "-5",
    }
    response = as_user(manager).post(reverse("shelter:edit", args=[shelter.pk]), data)
    assert response.status_code == 200
    _html, links = _summary(response)
    targets = [target for target, _text in links]
    assert targets == ["id_phone", "id_spaces-0-places", "id_spaces-1-floor_area_m2"]
    assert "Auditorium 1 · Places:" in links[1][1]
    assert "cannot be fewer than 6" in links[1][1]
    assert "Auditorium 2 · Floor area (m²):" in links[2][1]
    first.refresh_from_db()
    assert first.places == 10  # nothing saved


def test_a_formset_error_of_no_field_is_in_the_summary_without_a_link(as_user, manager, shelter):
    first, second = shelter.spaces.order_by("name")
    Space.objects.filter(pk=first.pk).update(occupied=2)
    data = {
        "name": shelter.name,
        "kind": "cinema",
        "address": "Dostyk 1",
        "city": "Uralsk",
        "spaces-TOTAL_FORMS": "2",
        "spaces-INITIAL_FORMS": "2",
        "spaces-MIN_NUM_FORMS": "0",
        "spaces-MAX_NUM_FORMS": "200",
        "spaces-0-id": first.pk,
        "spaces-0-name": "Auditorium 1",
        "spaces-0-places": "10",
        "spaces-0-DELETE": "on",
        "spaces-1-id": second.pk,
        "spaces-1-name": "Auditorium 2",
        "spaces-1-places": "20",
    }
    response = as_user(manager).post(reverse("shelter:edit", args=[shelter.pk]), data)
    summary, links = _summary(response)
    assert links == []
    assert "Auditorium 1 cannot be removed: 2 people are there or expected." in summary
    assert Space.objects.filter(pk=first.pk).exists()


def test_refused_bed_count_links_the_row_and_its_number(as_user, volunteer, shelter):
    first, second = shelter.spaces.order_by("name")
    data = {"submission": str(uuid.uuid4())}
    for space in (first, second):
        prefix = f"space-{space.pk}"
        data |= {
            f"{prefix}-seen_places": space.places,
            f"{prefix}-seen_occupied": 0,
            f"{prefix}-places": space.places,
            f"{prefix}-occupied": 0,
        }
    data[f"space-{second.pk}-occupied"] = "abc"
    response = as_user(volunteer).post(reverse("shelter:detail", args=[shelter.pk]), data)
    _summary_html, links = _summary(response)
    assert links == [
        (
            f"id_space-{second.pk}-occupied",
            "Auditorium 2 · Occupied: Enter a whole number, e.g. 12.",
        )
    ]


def test_refused_household_registration(as_user, volunteer):
    response = as_user(volunteer).post(
        reverse("coordination:register"), {"contact_name": "", "size": "0", "children": "0"}
    )
    _html, links = _summary(response)
    assert [target for target, _text in links] == ["id_contact_name", "id_size"]
    assert not Household.objects.exists()


def test_refused_meal_offer(as_user, meal_provider):
    response = as_user(meal_provider).post(
        reverse("coordination:meal_new"),
        {"provider": "Café", "city": "Uralsk", "date": "", "portions": "0", "delivery": "pickup"},
    )
    _html, links = _summary(response)
    targets = [target for target, _text in links]
    assert {"id_date", "id_starts_at", "id_ends_at", "id_portions"} <= set(targets)
    assert not MealOffer.objects.exists()


def test_refused_login_links_its_message_to_the_user_name(client, volunteer):
    response = client.post(reverse("login"), {"username": volunteer.username, "password": "x"})
    _html, links = _summary(response)
    assert len(links) == 1 and links[0][0] == "id_username"
    assert "correct username and password" in links[0][1]


def test_refused_households_export_links_the_box_to_tick(as_user, coordinator):
    response = as_user(coordinator).post(
        reverse("coordination:export_households"), {"status": "all"}
    )
    _html, links = _summary(response)
    assert [target for target, _text in links] == ["id_personal_data"]


def test_public_page_with_a_bad_filter_links_the_field(client):
    response = client.get("/?group=0")
    _html, links = _summary(response)
    assert [target for target, _text in links] == ["id_group"]


@pytest.mark.parametrize("name", ["shelter:edit", "shelter:detail"])
def test_no_summary_on_a_form_not_yet_sent(as_user, manager, shelter, name):
    body = as_user(manager).get(reverse(name, args=[shelter.pk])).content.decode()
    assert "error-summary" not in body
    assert Shelter.objects.count() == 1


def test_a_refusal_told_after_a_redirect_takes_the_focus_at_the_top(as_user, coordinator, shelter):
    response = as_user(coordinator).post(
        reverse("coordination:dashboard_member_assign", args=[shelter.pk]),
        {"username": "nobody-here", "role": "volunteer"},
        follow=True,
    )
    body = response.content.decode()
    refusal = re.search(
        r'<div class="alert alert-danger" role="alert" tabindex="-1" autofocus>'
        r"([^<]*)</div>",
        body,
    )
    assert refusal and "Nobody with the user name nobody-here" in refusal.group(1)
    assert body.index("autofocus") < body.index("<form", body.index("<main"))
