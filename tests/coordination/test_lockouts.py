"""Login lockouts: a (user name, address) pair is locked, never a bystander; the lock is not
extended by retrying; the page says until when and whom to call; coordinators unlock."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coordination.lockouts import selectors
from shelter.models import AuditAction, AuditEntry
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

HOME = "10.0.0.1"  # a shelter's Wi-Fi: many volunteers behind one address
MOBILE = "10.0.0.2"


def _login(client, user, password=PASSWORD, address=HOME):
    return client.post(
        reverse("login"), {"username": user.username, "password": password}, REMOTE_ADDR=address
    )


def _fail(client, user, times, address=HOME):
    return [_login(client, user, "wrong", address).status_code for _ in range(times)]


def test_twenty_wrong_passwords_lock_the_pair_not_a_bystander_at_the_same_address(
    client, volunteer, other_volunteer
):
    statuses = _fail(client, volunteer, 20)
    assert statuses[:4] == [200] * 4  # the login page again, with its error
    assert set(statuses[4:]) == {429}  # the 5th failure locks the pair
    assert _login(client, volunteer).status_code == 429  # the right password too, while locked
    # Someone else behind the same address logs in with their own password...
    assert _login(client, other_volunteer).status_code == 302
    client.logout()
    # ...and so does the locked-out volunteer from another connection.
    assert _login(client, volunteer, address=MOBILE).status_code == 302


def test_wrong_passwords_for_many_names_from_one_address_lock_none_of_the_others(client, volunteer):
    for index in range(10):
        client.post(reverse("login"), {"username": f"guess{index}", "password": "wrong"})
    assert _login(client, volunteer, address="127.0.0.1").status_code == 302


def test_attempts_while_locked_do_not_extend_the_lock(client, settings, volunteer):
    assert settings.AXES_COOLOFF_TIME == 0.25  # 15 minutes
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        assert _fail(client, volunteer, 5)[-1] == 429
        for minutes in (5, 10, 14):  # trying again and again while locked...
            clock.move_to(start + timedelta(minutes=minutes))
            assert _fail(client, volunteer, 3) == [429] * 3
            assert _login(client, volunteer).status_code == 429
        # ...is not counted: the lock still ends 15 minutes after the 5th failure.
        assert AccessAttempt.objects.get().failures_since_start == 5
        clock.move_to(start + timedelta(minutes=15, seconds=1))
        assert _login(client, volunteer).status_code == 302


def test_the_locked_page_says_until_when_and_whom_to_call(client, settings, volunteer):
    settings.COORDINATION_PHONE = "+7 711 250 00 00"
    start = timezone.now().replace(second=0, microsecond=0)
    with time_machine.travel(start, tick=False):
        _fail(client, volunteer, 5)
        response = _login(client, volunteer)
        page = response.content.decode()
    assert response.status_code == 429
    # The login view rendered its page; axes' middleware answered with ours instead.
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    until = timezone.localtime(start + timedelta(minutes=15))
    assert f"You can try again at {until:%H:%M} (in 15\xa0minutes)" in page
    assert 'href="tel:+77112500000"' in page
    assert int(response["Retry-After"]) == 15 * 60 + 1


def test_without_a_phone_the_locked_page_says_to_ask_a_coordinator(client, settings, volunteer):
    settings.COORDINATION_PHONE = ""
    _fail(client, volunteer, 5)
    page = _login(client, volunteer).content.decode()
    assert "Ask a coordinator to unlock your login" in page
    assert "tel:" not in page


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_the_locked_page_is_served_in_each_language(client, volunteer, language):
    _fail(client, volunteer, 5)
    response = client.post(
        reverse("login"),
        {"username": volunteer.username, "password": PASSWORD},
        REMOTE_ADDR=HOME,
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 429
    assert f'<html lang="{language}">' in response.content.decode()


def test_a_lock_of_several_browsers_ends_when_enough_failures_are_old():
    """Axes keeps a row per browser; the pair is locked while recent rows add up to 5."""
    now = timezone.now()
    cool_off = timedelta(minutes=15)
    rows = [(now - timedelta(minutes=10), 3), (now - timedelta(minutes=2), 2)]
    assert selectors._locked_until(rows, cool_off) == now - timedelta(minutes=10) + cool_off
    assert selectors._locked_until([(now, 4)], cool_off) is None
    assert selectors._locked_until([(now, 2), (now - timedelta(minutes=1), 4)], cool_off) == (
        now - timedelta(minutes=1) + cool_off
    )


def test_coordinator_unlocks_a_pair_from_the_dashboard_and_it_is_audited(
    client, as_user, volunteer, other_volunteer, coordinator
):
    _fail(client, volunteer, 5)
    _fail(client, other_volunteer, 5, address=MOBILE)
    page = as_user(coordinator).get(reverse("coordination:logins_locked"))
    assert page.templates[0].name == "coordination/dashboard/logins_locked.html"
    listed = {(lock.username, lock.ip_address) for lock in page.context["locked"]}
    assert listed == {(volunteer.username, HOME), (other_volunteer.username, MOBILE)}

    response = client.post(
        reverse("coordination:login_unlock"),
        {"username": volunteer.username, "ip_address": HOME},
        follow=True,
    )
    assert f"{volunteer.username} can log in again from {HOME}" in response.content.decode()
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_UNLOCKED)
    assert (entry.by, entry.subject) == (coordinator, volunteer)
    assert entry.details == {"username": volunteer.username, "ip_address": HOME, "attempts": 1}
    # Only that pair: the other one is still locked.
    still = selectors.logins_locked(now=timezone.now())[0]
    assert [(lock.username, lock.ip_address) for lock in still] == [
        (other_volunteer.username, MOBILE)
    ]
    client.logout()
    assert _login(client, volunteer).status_code == 302


def test_unlocking_twice_records_once(client, as_user, volunteer, coordinator):
    _fail(client, volunteer, 5)
    coordinator_client = as_user(coordinator)
    data = {"username": volunteer.username, "ip_address": HOME}
    coordinator_client.post(reverse("coordination:login_unlock"), data)
    again = coordinator_client.post(reverse("coordination:login_unlock"), data, follow=True)
    assert "This login is not locked (any more)" in again.content.decode()
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_UNLOCKED).count() == 1


@pytest.mark.parametrize(
    "data", [{}, {"username": "x", "ip_address": "not-an-address"}, {"username": "a\x00b"}]
)
def test_a_bad_unlock_post_changes_nothing(client, as_user, volunteer, coordinator, data):
    _fail(client, volunteer, 5)
    response = as_user(coordinator).post(reverse("coordination:login_unlock"), data, follow=True)
    assert "Choose a locked login from the list" in response.content.decode()
    assert AccessAttempt.objects.count() == 1
    assert not AuditEntry.objects.exists()


def test_the_list_finds_a_user_name(client, as_user, volunteer, other_volunteer, coordinator):
    _fail(client, volunteer, 5)
    _fail(client, other_volunteer, 5)
    _fail(client, UserFactory(), 3)  # failures below the limit: not locked, not listed
    page = as_user(coordinator).get(
        reverse("coordination:logins_locked"), {"username": volunteer.username.upper()}
    )
    assert [lock.username for lock in page.context["locked"]] == [volunteer.username]


@pytest.mark.parametrize("size", [2, 20])
def test_the_locked_list_queries_do_not_grow(size, client, as_user, coordinator):
    for _ in range(size):
        _fail(client, UserFactory(), 5)
    coordinator_client = as_user(coordinator)
    with CaptureQueriesContext(connection) as queries:
        page = coordinator_client.get(reverse("coordination:logins_locked"))
    assert page.context["total"] == size
    # 1 session, 2 user with their permissions, 3 the locked pairs' rows
    assert len(queries) == 3


def test_a_coordinator_unlocks_from_the_admin_and_it_is_audited(
    client, as_user, volunteer, coordinator
):
    assert not coordinator.is_superuser
    _fail(client, volunteer, 5)
    _fail(client, volunteer, 5, address=MOBILE)
    admin = as_user(coordinator)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert admin.get(changelist).status_code == 200
    assert changelist in admin.get(reverse("admin:index")).content.decode()
    response = admin.post(
        changelist,
        {
            "action": "unlock_selected",
            "_selected_action": list(AccessAttempt.objects.values_list("pk", flat=True)),
        },
        follow=True,
    )
    assert "2 logins unlocked" in response.content.decode()
    assert not AccessAttempt.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_UNLOCKED, by=coordinator).count() == 2


def test_the_admin_cannot_delete_attempts_without_the_audit_log(client, admin_client, volunteer):
    _fail(client, volunteer, 5)
    attempt = AccessAttempt.objects.get()
    response = admin_client.get(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]))
    assert response.status_code == 403
