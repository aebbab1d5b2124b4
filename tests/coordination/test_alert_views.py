"""The alerts page and the alert admin pages through the test client."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coordination.alerts import services
from coordination.alerts.models import Alert, AlertDelivery, Channel
from coordination.alerts.recipients import AlertSubscription
from coordination.dashboard.selectors import ALERTS_SHOWN
from tests.factories import (
    AlertSubscriptionFactory,
    ShelterFactory,
    SpaceFactory,
    UserFactory,
    WebhookFactory,
)

pytestmark = pytest.mark.django_db


def _alert(shelter=None, **fields) -> Alert:
    shelter = shelter or ShelterFactory()
    return Alert.objects.create(
        kind="full",
        level="critical",
        key=f"full:shelter:{shelter.pk}",
        shelter=shelter,
        city=shelter.city,
        message=f"{shelter.name} is full: all 10 places are taken.",
        **fields,
    )


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 302), ("volunteer", 403), ("coordinator", 200)]
)
def test_alerts_page_access(role, expected, request, as_user):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    response = as_user(user).get(reverse("coordination:alerts"))
    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))


def test_volunteer_cannot_acknowledge(as_user, volunteer):
    alert = _alert()
    url = reverse("coordination:alert_acknowledge", args=[alert.pk])
    assert as_user(volunteer).post(url).status_code == 403
    assert Alert.objects.get().acknowledged_at is None


def test_coordinator_sees_and_acknowledges_an_alert(as_user, coordinator):
    alert = _alert(ShelterFactory(name="Cinema Park"))
    client = as_user(coordinator)
    page = client.get(reverse("coordination:alerts"))
    assert page.templates[0].name == "coordination/alerts_open.html"
    assert "Cinema Park is full" in page.content.decode()
    response = client.post(reverse("coordination:alert_acknowledge", args=[alert.pk]))
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == coordinator
    assert client.get(reverse("coordination:alerts")).context["alerts"] == []
    again = client.post(reverse("coordination:alert_acknowledge", args=[alert.pk]), follow=True)
    assert "acknowledged this alert already" in again.content.decode()


@pytest.mark.parametrize("back", ["0", "x", "//evil.example", "javascript:alert(1)"])
def test_acknowledge_with_a_next_that_is_no_local_page_goes_to_the_alerts(
    as_user, coordinator, back
):
    alert = _alert()
    url = reverse("coordination:alert_acknowledge", args=[alert.pk])
    response = as_user(coordinator).post(url, {"next": back})
    assert (response.status_code, response["Location"]) == (302, reverse("coordination:alerts"))
    alert.refresh_from_db()
    assert alert.acknowledged_by == coordinator


def test_acknowledge_is_post_only(as_user, coordinator):
    alert = _alert()
    url = reverse("coordination:alert_acknowledge", args=[alert.pk])
    assert as_user(coordinator).get(url).status_code == 405


def test_in_app_subscription_narrows_the_list(as_user, coordinator):
    mine, other = ShelterFactory(name="Mine"), ShelterFactory(name="Other")
    _alert(mine)
    _alert(other)
    _alert(ShelterFactory(name="Far away", city="Aktobe"))
    subscription = AlertSubscription.objects.create(user=coordinator, channel=Channel.IN_APP)
    subscription.shelters.add(mine)
    content = as_user(coordinator).get(reverse("coordination:alerts")).content.decode()
    assert "Mine is full" in content
    assert "Other is full" not in content and "Far away" not in content


def test_the_nav_links_alerts_for_coordinators_only(as_user, coordinator, volunteer, client):
    url = reverse("coordination:alerts")
    assert url in as_user(coordinator).get(reverse("coordination:meals")).content.decode()
    client.logout()
    assert url not in as_user(volunteer).get(reverse("coordination:meals")).content.decode()


@pytest.mark.parametrize("size", [2, 15])
def test_alerts_page_queries_do_not_grow(size, as_user, coordinator):
    for _ in range(size):
        _alert()
    client = as_user(coordinator)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("coordination:alerts")).status_code == 200
    # 1 session, 2 user with their permissions, 3 in-app subscriptions, 4 alerts with their
    # shelters
    assert len(queries) == 4


@pytest.mark.parametrize(
    "name",
    [
        "alert",
        "alertdelivery",
        "alertrule",
        "alertsubscription",
        "webhook",
        "shelteralertthreshold",
        "morningsummary",
    ],
)
def test_alert_admin_pages_load(admin_client, name):
    space = SpaceFactory(places=1)
    AlertSubscriptionFactory()
    WebhookFactory()
    from shelter.models import Space

    Space.objects.filter(pk=space.pk).update(occupied=1)
    services.alerts_evaluate_shelter(shelter_id=space.shelter_id)
    assert AlertDelivery.objects.exists()
    changelist = admin_client.get(reverse(f"admin:coordination_{name}_changelist"))
    assert changelist.status_code == 200
    model = changelist.context["cl"].model
    first = model.objects.first()
    if first is not None:
        change = reverse(f"admin:coordination_{name}_change", args=[first.pk])
        assert admin_client.get(change).status_code == 200
    if name in {"alertsubscription", "webhook", "shelteralertthreshold"}:
        assert admin_client.get(reverse(f"admin:coordination_{name}_add")).status_code == 200


def test_rules_are_tuned_in_the_admin(admin_client):
    from coordination.alerts.models import AlertRule

    assert AlertRule.objects.count() == 9  # offers from residents unchecked: the ninth
    url = reverse("admin:coordination_alertrule_changelist")
    rows = list(AlertRule.objects.order_by("pk"))
    data = {"form-TOTAL_FORMS": len(rows), "form-INITIAL_FORMS": len(rows), "_save": "Save"}
    for index, rule in enumerate(rows):
        data.update(
            {
                f"form-{index}-id": rule.pk,
                f"form-{index}-enabled": "on" if rule.kind != "stale_data" else "",
                f"form-{index}-level": rule.level,
                f"form-{index}-threshold": rule.threshold if rule.threshold is not None else "",
                f"form-{index}-reset": rule.reset if rule.reset is not None else "",
            }
        )
    data["form-0-threshold"] = 85
    assert admin_client.post(url, data).status_code == 302
    assert AlertRule.objects.get(kind="nearly_full").threshold == 85
    assert not AlertRule.objects.get(kind="stale_data").enabled


def test_admin_acknowledge_action(admin_client, admin_user):
    alert = _alert()
    url = reverse("admin:coordination_alert_changelist")
    admin_client.post(url, {"action": "acknowledge", "_selected_action": [alert.pk]})
    alert.refresh_from_db()
    assert alert.acknowledged_by == admin_user


def test_coordinator_group_may_edit_rules_webhooks_and_the_schedule():
    coordinator = UserFactory(groups=["Coordinator"])
    for perm in [
        "coordination.change_alertrule",
        "coordination.add_webhook",
        "coordination.add_alertsubscription",
        "coordination.change_alert",
        "django_celery_beat.change_periodictask",
    ]:
        assert coordinator.has_perm(perm), perm


def test_the_dashboard_lists_the_newest_open_alerts_and_links_to_all(as_user, coordinator):
    alerts = [_alert() for _ in range(ALERTS_SHOWN + 2)]
    alerts[-1].acknowledged_at = alerts[-1].created_at
    alerts[-1].acknowledged_by = coordinator
    alerts[-1].save(update_fields=["acknowledged_at", "acknowledged_by"])
    page = as_user(coordinator).get(reverse("coordination:dashboard"))
    html = page.content.decode()
    assert page.context["open_alerts_count"] == ALERTS_SHOWN + 1  # the acknowledged one left out
    shown = [int(pk) for pk in re.findall(r'data-alert="(\d+)"', html)]
    newest_open = [a.pk for a in reversed(alerts[:-1])][:ALERTS_SHOWN]
    assert shown == newest_open
    assert f"All {ALERTS_SHOWN + 1} open alerts" in html
    assert reverse("coordination:alerts") in html


def test_the_dashboard_has_no_link_to_more_alerts_when_it_shows_them_all(as_user, coordinator):
    _alert()
    html = as_user(coordinator).get(reverse("coordination:dashboard")).content.decode()
    assert html.count('data-alert="') == 1
    assert "open alerts</a>" not in html
