"""Volunteer and manager pages through the test client, for every role."""

import re
import uuid

import pytest
from django.urls import reverse

from shelter.models import OccupancyEvent, Shelter, ShelterStatus, Space

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "volunteer", "other_volunteer", "manager", "coordinator"]


@pytest.fixture
def user_in_role(request, shelter, other_shelter):
    def get(role):
        return None if role == "anonymous" else request.getfixturevalue(role)

    return get


def _count_data(shelter, submission=None, **entered):
    """POST data of the bed-count form as the page renders it, with `entered` changes."""
    data = {"submission": str(submission or uuid.uuid4())}
    for space in shelter.spaces.all():
        prefix = f"space-{space.pk}"
        data.update(
            {
                f"{prefix}-seen_places": space.places,
                f"{prefix}-seen_occupied": space.occupied,
                f"{prefix}-places": space.places,
                f"{prefix}-occupied": space.occupied,
            }
        )
    data.update(entered)
    return data


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("volunteer", 200),
        ("other_volunteer", 403),
        ("manager", 200),
        ("coordinator", 200),
    ],
)
def test_shelter_page_access(role, expected, user_in_role, as_user, shelter):
    response = as_user(user_in_role(role)).get(reverse("shelter:detail", args=[shelter.pk]))
    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("volunteer", 403),
        ("other_volunteer", 403),
        ("manager", 200),
        ("coordinator", 200),
    ],
)
def test_shelter_edit_access(role, expected, user_in_role, as_user, shelter):
    response = as_user(user_in_role(role)).get(reverse("shelter:edit", args=[shelter.pk]))
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("volunteer", 403),
        ("other_volunteer", 403),
        ("manager", 200),
        ("coordinator", 200),
    ],
)
def test_register_shelter_access(role, expected, user_in_role, as_user):
    response = as_user(user_in_role(role)).get(reverse("shelter:create"))
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("role", "expected_status"),
    [
        ("volunteer", ShelterStatus.OPEN),
        ("other_volunteer", ShelterStatus.OPEN),
        ("manager", ShelterStatus.STANDBY),
        ("coordinator", ShelterStatus.STANDBY),
    ],
)
def test_status_change_access(role, expected_status, user_in_role, as_user, shelter):
    as_user(user_in_role(role)).post(
        reverse("shelter:set_status", args=[shelter.pk]), {"action": "standby"}
    )
    shelter.refresh_from_db()
    assert shelter.status == expected_status


@pytest.mark.parametrize("role", ["volunteer", "other_volunteer", "manager", "coordinator"])
def test_my_shelters_lists_own_shelters_only(role, user_in_role, as_user, shelter, other_shelter):
    response = as_user(user_in_role(role)).get(reverse("shelter:mine"))
    assert response.status_code == 200
    names = {s.name for s in response.context["shelters"]}
    expected = {
        "volunteer": {shelter.name},
        "other_volunteer": {other_shelter.name},
        "manager": {shelter.name},
        "coordinator": {shelter.name, other_shelter.name},
    }[role]
    assert names == expected


def test_a_volunteer_of_another_shelter_cannot_post_counts(as_user, other_volunteer, shelter):
    space = shelter.spaces.first()
    response = as_user(other_volunteer).post(
        reverse("shelter:detail", args=[shelter.pk]),
        _count_data(shelter, **{f"space-{space.pk}-occupied": 3}),
    )
    assert response.status_code == 403
    assert not OccupancyEvent.objects.exists()


def test_volunteer_saves_counts_and_sees_what_changed(as_user, volunteer, shelter):
    first, second = shelter.spaces.order_by("name")
    response = as_user(volunteer).post(
        reverse("shelter:detail", args=[shelter.pk]),
        _count_data(shelter, **{f"space-{first.pk}-occupied": 4, f"space-{second.pk}-places": 22}),
        follow=True,
    )
    assert response.status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.occupied, second.places) == (4, 22)
    assert OccupancyEvent.objects.filter(by=volunteer).count() == 2
    text = response.content.decode()
    assert "Auditorium 1: occupied 0 → 4;" in text
    # Only what changed: the second row's places, not an "occupied 0 → 0".
    assert "Auditorium 2: places 20 → 22" in text
    assert "occupied 0 → 0" not in text


def test_a_count_someone_changed_meanwhile_warns_with_both_figures(as_user, volunteer, shelter):
    """Two phones count the same room: B saves 33 (from 32), then A, who saw 32, saves 31.
    The form sends the difference, so both changes are kept (32): A is warned, with what
    A typed and what it is now, not told "32 → 32"."""
    space = shelter.spaces.order_by("name").first()
    Space.objects.filter(pk=space.pk).update(occupied=32, places=40)
    space.refresh_from_db()
    seen_by_a = _count_data(shelter, **{f"space-{space.pk}-occupied": 31})
    as_user(volunteer).post(
        reverse("shelter:detail", args=[shelter.pk]),
        _count_data(shelter, **{f"space-{space.pk}-occupied": 33}),
    )
    response = as_user(volunteer).post(
        reverse("shelter:detail", args=[shelter.pk]), seen_by_a, follow=True
    )
    space.refresh_from_db()
    assert space.occupied == 32
    text = response.content.decode()
    assert "you entered 31 occupied of 40 places, but another volunteer changed it" in text
    assert "it is now 32 of 40" in text
    assert 'class="alert alert-warning"' in text


def test_a_retried_count_post_is_not_applied_twice(as_user, volunteer, shelter):
    space = shelter.spaces.first()
    data = _count_data(shelter, **{f"space-{space.pk}-occupied": 2})
    client = as_user(volunteer)
    client.post(reverse("shelter:detail", args=[shelter.pk]), data)
    response = client.post(reverse("shelter:detail", args=[shelter.pk]), data, follow=True)
    space.refresh_from_db()
    assert space.occupied == 2
    assert "already saved" in response.content.decode()


@pytest.mark.parametrize("submission", [None, "", "abc", "1" * 5000, "\u0661\u0662"])
def test_a_count_without_a_good_submission_id_says_so_and_saves_nothing(
    submission, as_user, volunteer, shelter
):
    """A copy of the form from before it had its token, or a tampered one: refused with a
    message, the figures typed kept and a new token given, so saving again is one tap."""
    space = shelter.spaces.get(name="Auditorium 1")
    data = _count_data(shelter, **{f"space-{space.pk}-occupied": 7})
    if submission is None:
        del data["submission"]
    else:
        data["submission"] = submission
    client = as_user(volunteer)
    response = client.post(reverse("shelter:detail", args=[shelter.pk]), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "This form was out of date and nothing was saved" in text
    assert not OccupancyEvent.objects.exists()
    space.refresh_from_db()
    assert space.occupied == 0
    # The page offers the typed figure again, with a token of its own: saved at the next tap.
    fresh = re.search(r'name="submission" value="([^"]+)"', text).group(1)
    assert uuid.UUID(fresh)
    response = client.post(
        reverse("shelter:detail", args=[shelter.pk]), data | {"submission": fresh}
    )
    assert response.status_code == 302
    space.refresh_from_db()
    assert space.occupied == 7


def test_an_offline_count_without_a_submission_id_is_refused_in_json(as_user, volunteer, shelter):
    space = shelter.spaces.get(name="Auditorium 1")
    data = _count_data(shelter, **{f"space-{space.pk}-occupied": 7}) | {"submission": "x"}
    response = as_user(volunteer).post(
        reverse("shelter:detail", args=[shelter.pk]), data, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 409
    assert response.json()["ok"] is False
    assert "out of date" in response.json()["message"]
    assert not OccupancyEvent.objects.exists()


@pytest.mark.parametrize("value", ["-1", "abc", "", "10001", "11", "99999999999999999999"])
def test_bad_counts_show_a_message_and_save_nothing(value, as_user, volunteer, shelter):
    space = shelter.spaces.get(name="Auditorium 1")  # 10 places
    response = as_user(volunteer).post(
        reverse("shelter:detail", args=[shelter.pk]),
        _count_data(shelter, **{f"space-{space.pk}-occupied": value}),
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert not OccupancyEvent.objects.exists()
    space.refresh_from_db()
    assert space.occupied == 0


def test_a_refusal_from_the_database_lands_at_the_field(as_user, volunteer, shelter):
    space = shelter.spaces.get(name="Auditorium 1")
    stale = _count_data(shelter, **{f"space-{space.pk}-occupied": 6})
    Space.objects.filter(pk=space.pk).update(occupied=6)  # meanwhile, another volunteer
    response = as_user(volunteer).post(reverse("shelter:detail", args=[shelter.pk]), stale)
    assert response.status_code == 200
    assert "has only 4 free places" in response.content.decode()
    space.refresh_from_db()
    assert space.occupied == 6


def test_plus_button_without_javascript_adjusts_the_number_without_saving(
    as_user, volunteer, shelter
):
    space = shelter.spaces.first()
    data = _count_data(shelter, step=f"space-{space.pk}-occupied:1")
    response = as_user(volunteer).post(reverse("shelter:detail", args=[shelter.pk]), data)
    assert response.status_code == 200
    assert f'name="space-{space.pk}-occupied" id="id_space-{space.pk}-occupied" value="1"' in (
        response.content.decode()
    )
    assert not OccupancyEvent.objects.exists()


def test_closing_an_occupied_shelter_says_how_many_are_there(as_user, manager, shelter):
    Space.objects.filter(shelter=shelter).update(occupied=2)
    response = as_user(manager).post(
        reverse("shelter:set_status", args=[shelter.pk]), {"action": "closed"}, follow=True
    )
    assert "4 people are checked in" in response.content.decode()
    shelter.refresh_from_db()
    assert shelter.status == ShelterStatus.OPEN


def _shelter_post(spaces, **changes):
    data = {
        "name": "School No. 9 gym",
        "kind": "school",
        "address": "Brusilovskogo 21",
        "city": "Uralsk",
        "accepts_families": "on",
        "spaces-TOTAL_FORMS": str(len(spaces)),
        "spaces-INITIAL_FORMS": "0",
        "spaces-MIN_NUM_FORMS": "0",
        "spaces-MAX_NUM_FORMS": "200",
    }
    for index, space in enumerate(spaces):
        data.update({f"spaces-{index}-{key}": value for key, value in space.items()})
    data.update(changes)
    return data


def test_manager_registers_a_shelter_with_spaces(as_user, manager):
    response = as_user(manager).post(
        reverse("shelter:create"),
        _shelter_post([{"name": "Gym hall", "places": "80"}, {"name": "Class 12", "places": "16"}]),
    )
    created = Shelter.objects.get(name="School No. 9 gym")
    assert response.status_code == 302
    assert response["Location"] == reverse("shelter:detail", args=[created.pk])
    assert sorted(created.spaces.values_list("places", flat=True)) == [16, 80]
    assert created.memberships.get(user=manager).role == "manager"


def test_bad_shelter_input_saves_nothing(as_user, coordinator):
    response = as_user(coordinator).post(
        reverse("shelter:create"),
        _shelter_post(
            [{"name": "Hall", "places": "80"}, {"name": "Hall", "places": "-5"}],
            name="<script>alert(1)</script>",
        ),
    )
    assert response.status_code == 200
    assert "plain text" in response.content.decode()
    assert not Shelter.objects.filter(address="Brusilovskogo 21").exists()
    assert not Space.objects.filter(name="Hall").exists()


def test_manager_edits_spaces_without_touching_counts(as_user, manager, shelter):
    first, second = shelter.spaces.order_by("name")
    Space.objects.filter(pk=first.pk).update(occupied=3)
    data = _shelter_post(
        [
            {"id": first.pk, "name": "Auditorium 1", "places": "12", "blocked": "1"},
            {"id": second.pk, "name": "Auditorium 2", "places": "20", "blocked": "0"},
            {"name": "Auditorium 3", "places": "30"},
        ],
        **{"spaces-INITIAL_FORMS": "2", "name": shelter.name},
    )
    response = as_user(manager).post(reverse("shelter:edit", args=[shelter.pk]), data)
    assert response.status_code == 302, response.context and response.context["formset"].errors
    first.refresh_from_db()
    assert (first.places, first.blocked, first.occupied) == (12, 1, 3)
    assert shelter.spaces.count() == 3


def test_names_with_markup_are_shown_escaped(as_user, coordinator, shelter):
    Shelter.objects.filter(pk=shelter.pk).update(name="<script>alert('x')</script>")
    for url in [reverse("shelter:detail", args=[shelter.pk]), reverse("shelter:mine"), "/"]:
        body = as_user(coordinator).get(url).content.decode()
        assert "<script>alert(" not in body
        assert "&lt;script&gt;" in body


def test_unknown_shelter_is_404(as_user, coordinator):
    assert as_user(coordinator).get(reverse("shelter:detail", args=[999999])).status_code == 404


def test_login_page_and_logout(client, volunteer):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(
        reverse("login"),
        {"username": volunteer.username, "password": "correct-horse-battery"},
        follow=True,
    )
    assert response.redirect_chain[-1] == (reverse("shelter:mine"), 302)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("shelter:mine")).status_code == 302


def test_wrong_password_gets_a_message(client, volunteer):
    response = client.post(reverse("login"), {"username": volunteer.username, "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_phones_get_one_menu_button_and_the_page_keeps_ids_unique(as_user, volunteer):
    body = as_user(volunteer).get(reverse("shelter:mine")).content.decode()
    assert '<details class="d-md-none site-menu">' in body  # opens without JavaScript
    ids = re.findall(r'\sid="([^"]+)"', body)
    assert len(ids) == len(set(ids))
    assert 'id="language-select"' in body and 'id="language-select-menu"' in body


def test_history_shows_an_unchanged_count_as_confirmed(as_user, volunteer, shelter):
    first, second = shelter.spaces.order_by("name")
    Space.objects.filter(pk=first.pk).update(occupied=7)
    client = as_user(volunteer)
    # One save: the first row confirmed as it was, the second one's places raised.
    client.post(
        reverse("shelter:detail", args=[shelter.pk]),
        _count_data(shelter, **{f"space-{second.pk}-places": 22}),
    )
    text = re.sub(
        r"\s+", " ", client.get(reverse("shelter:detail", args=[shelter.pk])).content.decode()
    )
    assert "Auditorium 1 · Count: 7 confirmed (of 10)" in text
    assert "Auditorium 2 · Count: 0 · places 20 → 22" in text
    assert "7 → 7" not in text


def test_a_manager_marks_the_shelter_full_with_people_inside(as_user, manager, shelter):
    Space.objects.filter(shelter=shelter).update(occupied=2)
    response = as_user(manager).post(
        reverse("shelter:set_status", args=[shelter.pk]), {"action": "full"}, follow=True
    )
    assert "Cinema Park is marked full: nobody new is offered its places" in (
        response.content.decode()
    )
    shelter.refresh_from_db()
    assert (shelter.status, shelter.marked_full) == (ShelterStatus.FULL, True)


def test_a_volunteer_cannot_mark_the_shelter_full(as_user, volunteer, shelter):
    response = as_user(volunteer).post(
        reverse("shelter:set_status", args=[shelter.pk]), {"action": "full"}
    )
    assert response.status_code == 403
    shelter.refresh_from_db()
    assert (shelter.status, shelter.marked_full) == (ShelterStatus.OPEN, False)


def test_the_shelter_page_shows_a_manager_the_status_buttons(as_user, manager, volunteer, shelter):
    page = as_user(manager).get(reverse("shelter:detail", args=[shelter.pk])).content.decode()
    for action in ("full", "standby", "closed"):
        assert f'name="action" value="{action}"' in page
    assert 'name="action" value="open"' not in page  # it is open already
    page = as_user(volunteer).get(reverse("shelter:detail", args=[shelter.pk])).content.decode()
    assert 'name="action"' not in page


def test_an_unknown_status_action_changes_nothing(as_user, manager, shelter):
    response = as_user(manager).post(
        reverse("shelter:set_status", args=[shelter.pk]), {"action": "explode"}, follow=True
    )
    assert "Choose open, mark full, standby or close." in response.content.decode()
    shelter.refresh_from_db()
    assert shelter.status == ShelterStatus.OPEN
