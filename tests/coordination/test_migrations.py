"""Data migrations, run forward (and back) on a real PostgreSQL database."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_PROVIDERS = ("coordination", "0008_merge_0006_data_drift_0007_household_purge_any_status")


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_free_text_providers_become_organisations_with_their_posters_as_members():
    old = _migrate([BEFORE_PROVIDERS])
    try:
        User = old.get_model("auth", "User")
        MealOffer = old.get_model("coordination", "MealOffer")
        cafe_staff, cook = User.objects.create(username="cafe"), User.objects.create(username="c")
        common = {"date": "2026-12-01", "starts_at": "12:00", "ends_at": "14:00", "portions": 5}
        MealOffer.objects.create(
            provider="Café  Dastarkhan", address="Dostyk 1", created_by=cafe_staff, **common
        )
        MealOffer.objects.create(
            provider=" café dastarkhan",
            address="Dostyk 1",
            contact="+7 701 555 00 01",
            created_by=cafe_staff,
            **common,
        )
        MealOffer.objects.create(provider="Kitchen", address="Lenin 40", created_by=cook, **common)
        MealOffer.objects.create(provider="Kitchen", address="Lenin 40", created_by=None, **common)
        new = _migrate(_leaves())
    finally:
        _migrate(_leaves())

    MealProvider = new.get_model("coordination", "MealProvider")
    offers = new.get_model("coordination", "MealOffer").objects.all()
    assert sorted(MealProvider.objects.values_list("name", flat=True)) == [
        "Kitchen",
        "café dastarkhan",  # the latest offer's spelling, spaces tidied
    ]
    cafe = MealProvider.objects.get(name="café dastarkhan")
    assert cafe.phone == "+7 701 555 00 01"
    assert {o.provider_id for o in offers.filter(address="Dostyk 1")} == {cafe.pk}
    members = {
        (m.provider.name, m.user.username)
        for m in new.get_model("coordination", "MealProviderMember").objects.select_related(
            "provider", "user"
        )
    }
    assert members == {("café dastarkhan", "cafe"), ("Kitchen", "c")}


@pytest.mark.django_db(transaction=True)
def test_going_back_gives_each_offer_its_providers_name():
    from tests.factories import MealOfferFactory

    MealOfferFactory(provider="Café Dastarkhan")
    try:
        old = _migrate([BEFORE_PROVIDERS])
        offer = old.get_model("coordination", "MealOffer").objects.get()
        assert offer.provider == "Café Dastarkhan"
    finally:
        _migrate(_leaves())


@pytest.mark.django_db(transaction=True)
def test_sessions_from_before_the_one_query_backend_stay_logged_in(client):
    """A session naming Django's ModelBackend is moved to the project's backend: the user is
    still logged in after the upgrade, and back again when the migration is reversed."""
    from django.contrib.auth import BACKEND_SESSION_KEY
    from django.contrib.sessions.models import Session
    from django.urls import reverse

    from coordination.sessions import SessionStore
    from tests.factories import UserFactory

    user = UserFactory(username="aigerim", groups=["Volunteer"])
    before = ("coordination", "0016_dashboard_indexes")
    _migrate([before])
    try:
        session = SessionStore()
        session.update(
            {
                "_auth_user_id": str(user.pk),
                BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                "_auth_user_hash": user.get_session_auth_hash(),
            }
        )
        session.create()
    finally:
        _migrate(_leaves())
    stored = Session.objects.get(session_key=session.session_key).get_decoded()
    assert (
        stored[BACKEND_SESSION_KEY] == "coordination.accounts.backends.OneQueryPermissionsBackend"
    )
    client.cookies["sessionid"] = session.session_key
    assert client.get(reverse("shelter:mine")).status_code == 200  # not sent to the login
    _migrate([before])
    try:
        back = Session.objects.get(session_key=session.session_key).get_decoded()
        assert back[BACKEND_SESSION_KEY] == "django.contrib.auth.backends.ModelBackend"
    finally:
        _migrate(_leaves())
