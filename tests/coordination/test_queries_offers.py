"""The offers' pages make as many queries for many offers, guests and uses as for few."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coordination.households import services
from coordination.offers import services as offer_services
from tests.factories import HostOfferFactory, HouseholdFactory

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _seed(size: int, coordinator):
    """`size` new offers (some sent again from an earlier phone) and one approved host with
    `size` guests on their way and a link used `size` times."""
    earlier = HostOfferFactory(status="rejected")
    for n in range(size):
        HostOfferFactory(same_phone_as=earlier if n % 2 else None)
    host = HostOfferFactory(places=30)
    for step in ("called", "address", "visited"):
        offer_services.offer_step(offer_id=host.pk, step=step, by=coordinator)
    host = offer_services.offer_approve(offer_id=host.pk, by=coordinator)
    space = host.shelter.spaces.get()
    for _ in range(size):
        household = HouseholdFactory(size=1)
        services.hold_create(household_id=household.pk, space_id=space.pk, by=coordinator)
    token = offer_services.host_link_issue(offer_id=host.pk, by=coordinator)
    for _ in range(size):
        offer_services.host_link_opened(offer_services.host_link_check(token))
    return host, token


@pytest.mark.parametrize("size", [3, 20])
def test_the_offers_list_queries_do_not_grow(size, as_user, coordinator):
    _seed(size, coordinator)
    client = as_user(coordinator)
    # 1 session, 2 user with their permissions, 3 the offers with place and earlier offer, 4
    # districts, 5-6 the figures
    assert _queries(client, reverse("coordination:offers")) == 6


@pytest.mark.parametrize("size", [3, 20])
def test_an_offers_page_queries_do_not_grow(size, as_user, coordinator):
    host, _token = _seed(size, coordinator)
    client = as_user(coordinator)
    # 1 session, 2 user with their permissions, 3 the offer (404 check), 4 the offer with its
    # place and who did each step, 5 its link, 6 its uses, 7 offers from the same phone
    assert _queries(client, reverse("coordination:offer", args=[host.pk])) == 7


@pytest.mark.parametrize("size", [3, 20])
def test_the_hosts_page_queries_do_not_grow(size, client, coordinator):
    _host, token = _seed(size, coordinator)
    # 1 the link with its offer and place, 2 its last use, 3 this use recorded, 4 the space,
    # 5 the guests on their way with their households, 6 those staying
    assert _queries(client, reverse("host", args=[token])) == 6
