"""The login backend reads a user's own and their groups' permissions in one query, with
Django's rules unchanged."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _fresh(user):
    """The user as the next request loads it: nothing remembered from an earlier check."""
    return get_user_model().objects.get(pk=user.pk)


def test_own_and_group_permissions_are_read_together_in_one_query(coordinator):
    own = Permission.objects.get(codename="view_alert", content_type__app_label="coordination")
    coordinator.user_permissions.add(own)
    user = _fresh(coordinator)
    with CaptureQueriesContext(connection) as queries:
        assert user.has_perm("shelter.coordinate")  # from the Coordinator group
        assert user.has_perm("coordination.view_alert")  # their own
        assert not user.has_perm("auth.delete_user")
    assert len(queries) == 1
    assert user.get_all_permissions() >= {"shelter.coordinate", "coordination.view_alert"}


def test_a_volunteer_has_only_their_groups_permissions(volunteer):
    user = _fresh(volunteer)
    expected = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(group__user=volunteer)
    }
    assert expected
    assert user.get_all_permissions() == expected
    assert not user.has_perm("shelter.coordinate")


def test_a_user_in_no_group_has_none():
    assert _fresh(UserFactory()).get_all_permissions() == set()


def test_an_inactive_user_has_none_even_in_a_group(coordinator):
    coordinator.is_active = False
    coordinator.save(update_fields=["is_active"])
    user = _fresh(coordinator)
    assert not user.has_perm("shelter.coordinate")
    assert user.get_all_permissions() == set()


def test_a_superuser_has_every_permission():
    user = _fresh(UserFactory(is_superuser=True))
    assert len(user.get_all_permissions()) == Permission.objects.count()


def test_a_removed_group_takes_its_permissions_away_at_the_next_request(coordinator):
    assert _fresh(coordinator).has_perm("shelter.coordinate")
    coordinator.groups.remove(Group.objects.get(name="Coordinator"))
    assert not _fresh(coordinator).has_perm("shelter.coordinate")


def _session_user(user):
    """The user as a request's session loads it (AuthenticationMiddleware, through the
    backend)."""
    from coordination.accounts.backends import OneQueryPermissionsBackend

    return OneQueryPermissionsBackend().get_user(user.pk)


def test_the_session_user_comes_with_their_permissions_in_one_query(coordinator):
    with CaptureQueriesContext(connection) as queries:
        user = _session_user(coordinator)
        assert user.has_perm("shelter.coordinate")
        assert not user.has_perm("auth.delete_user")
    assert len(queries) == 1
    assert user.get_all_permissions() == _fresh(coordinator).get_all_permissions()


def test_the_session_user_loses_a_removed_group_at_the_next_request(coordinator):
    assert _session_user(coordinator).has_perm("shelter.coordinate")
    coordinator.groups.clear()
    assert not _session_user(coordinator).has_perm("shelter.coordinate")


def test_an_inactive_or_missing_session_user_is_nobody(coordinator):
    coordinator.is_active = False
    coordinator.save(update_fields=["is_active"])
    assert _session_user(coordinator) is None
    assert _session_user(get_user_model()(pk=2_000_000_000)) is None  # no such row


def test_a_superuser_session_user_has_every_permission():
    user = _session_user(UserFactory(is_superuser=True))
    assert len(user.get_all_permissions()) == Permission.objects.count()
