"""The dashboard's and the alerts' rows written in Python: every value escaped once, and
times said as naturaltime says them."""

import random
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import localize

from coordination.alerts.models import Alert
from coordination.dashboard.selectors import ShelterFigures, WaitingGroup, _add_figures
from coordination.templatetags.dashboard_tags import (
    dashboard_shelter_rows,
    dashboard_waiting_rows,
    integer_text,
    natural_time,
)
from shelter.models import Shelter

NOW = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
DAY = 86_400


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_natural_time_says_what_naturaltime_says(language):
    seconds = [-3_600, 0, 30, 90, 3_599, 3_600, DAY - 1, DAY, DAY + 5 * 3_600, 2 * DAY + 61]
    seconds += [7 * DAY, 8 * DAY + 3_600, 31 * DAY, 40 * DAY, 365 * DAY, 400 * DAY, 800 * DAY]
    seconds += random.Random(1).sample(range(-DAY, 500 * DAY), 300)
    moments = [NOW - timedelta(seconds=s) for s in seconds] + [None]
    with time_machine.travel(NOW, tick=False), translation.override(language):
        natural = natural_time()
        assert [natural(m) for m in moments] == [naturaltime(m) for m in moments]


def _shelter(**changes) -> ShelterFigures:
    values = {
        "pk": 7,
        "name": 'Dom "Ak & Zhol" <1>',
        "kind": "gym",
        "address": "",
        "city": "Ural'sk",
        "district": "<West>",
        "latitude": None,
        "longitude": None,
        "phone": "+7 700 <1>",
        "accepts_families": True,
        "women_children_only": False,
        "men_only": False,
        "pets_allowed": False,
        "wheelchair_accessible": False,
        "status": "open",
        "marked_full": False,
        "total_places": 10,
        "total_occupied": 2,
        "total_held": 0,
        "total_blocked": 0,
        "total_free": 8,
        "largest_free": 8,
        "last_counted_at": NOW - timedelta(days=2),
        "last_counted_by": "a<b",
        "host_unchecked": False,
    }
    return _add_figures(ShelterFigures(**(values | changes)), NOW - timedelta(hours=6))


def test_shelter_rows_escape_every_value_once():
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        html = dashboard_shelter_rows([_shelter()])
    assert '<a href="/dashboard/shelters/7/" class="fw-semibold">' in html
    assert "Dom &quot;Ak &amp; Zhol&quot; &lt;1&gt;</a>" in html
    assert "Sports hall / gym · Ural&#x27;sk, &lt;West&gt;" in html
    assert "2\xa0days ago</time> · a&lt;b" in html
    assert '<span class="stale">possibly out of date</span>' in html
    assert "<1>" not in html and "&amp;amp;" not in html


def test_waiting_rows_escape_every_value_once():
    group = WaitingGroup(2, False, False, True, False, False, households=3, people=6, largest=2)
    group.oldest = NOW - timedelta(days=3)
    group.shelters, group.shelters_count = [_shelter()], 5
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        html = dashboard_waiting_rows([group])
    assert '<span class="badge text-bg-light border">pets</span> </td>' in html
    assert (
        '<a href="/dashboard/shelters/7/">Dom &quot;Ak &amp; Zhol&quot; &lt;1&gt;</a>\xa0(8)'
        ' <span class="stale">possibly out of date: call first</span>'
        ' <a href="tel:+7700&lt;1&gt;">+7 700 &lt;1&gt;</a> and 4 more</td>'
    ) in html
    assert "3\xa0days ago" in html


def test_alert_item_escapes_every_value_once():
    alert = Alert(
        pk=5,
        kind="nearly_full",
        level="warning",
        city="Ural'sk",
        message="Dom <1> & co is nearly full",
        shelter=Shelter(pk=3, name="<A & B>"),
        created_at=NOW - timedelta(days=1, hours=2),
    )
    template = Template("{% load alert_tags %}{% alert_item alert back_to=back %}")
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        html = template.render(Context({"alert": alert, "back": '/dashboard/?a=1&b="2"'}))
    assert '<span class="badge text-bg-warning">Warning</span>' in html
    assert "Dom &lt;1&gt; &amp; co is nearly full" in html
    assert 'Ural&#x27;sk · <a href="/dashboard/shelters/3/">&lt;A &amp; B&gt;</a>' in html
    assert "· raised 1\xa0day, 2\xa0hours ago" in html
    assert '<input type="hidden" name="next" value="/dashboard/?a=1&amp;b=&quot;2&quot;">' in html
    assert '<form method="post" action="/alerts/5/acknowledge/">' in html


@pytest.mark.parametrize("grouped", [False, True])
def test_whole_numbers_are_written_as_localize_writes_them(settings, grouped):
    settings.USE_THOUSAND_SEPARATOR = grouped
    with translation.override("en"):
        assert integer_text()(12345) == localize(12345) == ("12,345" if grouped else "12345")
