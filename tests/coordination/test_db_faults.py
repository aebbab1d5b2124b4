"""A database connection dropped after the change committed, before the response went out.

The fault is real: right after the bed count commits, the request's own PostgreSQL backend is
terminated (pg_terminate_backend), so the session write that follows meets a dead connection.
"""

import pytest
from django.db import connection
from django.urls import reverse

from shelter.models import Space
from shelter.signals import occupancy_changed
from tests.coordination.alert_helpers import count_post

pytestmark = pytest.mark.django_db(transaction=True)


def _drop_own_connection(sender, **kwargs) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")


@pytest.fixture
def connection_dropped_after_each_change():
    occupancy_changed.connect(_drop_own_connection, dispatch_uid="test.drop_connection")
    yield
    occupancy_changed.disconnect(dispatch_uid="test.drop_connection")
    connection.close()


@pytest.mark.parametrize(
    "messages",
    [
        "django.contrib.messages.storage.cookie.CookieStorage",  # ours: no session write
        # Messages in the session make the response write it on the dead connection: the
        # session store reconnects and writes it (Django's own answers 400 here).
        "django.contrib.messages.storage.session.SessionStorage",
    ],
)
def test_a_count_saved_before_the_connection_dropped_answers_success(
    client, shelter, volunteer, connection_dropped_after_each_change, settings, messages
):
    settings.MESSAGE_STORAGE = messages
    client.force_login(volunteer)
    space = shelter.spaces.order_by("pk").first()
    data = count_post(space, 3)
    data |= {  # the shelter's other space, unchanged
        f"space-{other.pk}-{field}": value
        for other in shelter.spaces.exclude(pk=space.pk)
        for field, value in (
            ("seen_places", other.places),
            ("seen_occupied", other.occupied),
            ("places", other.places),
            ("occupied", other.occupied),
        )
    }

    response = client.post(reverse("shelter:detail", args=[shelter.pk]), data)

    assert response.status_code == 302  # not "400 session was deleted"
    connection.close()  # the test shares the request's connection (dropped); servers reconnect
    assert Space.objects.get(pk=space.pk).occupied == 3
    follow = client.get(response["Location"])
    assert "Saved" in follow.content.decode()  # the message survived
