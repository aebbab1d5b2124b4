"""Places and people over time: the hour-by-hour history and its SVG charts."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse

from shelter import services
from shelter.charts import line_chart, nice_step
from shelter.models import OccupancyReason, Space
from shelter.selectors import OccupancyPoint, last_hours, occupancy_history
from tests.factories import ShelterFactory

pytestmark = pytest.mark.django_db

ORAL = ZoneInfo("Asia/Oral")
START = datetime(2026, 11, 20, 10, 15, tzinfo=ORAL)


def _count(space, delta, places_delta=0):
    services.occupancy_change(
        space_id=space.pk,
        delta=delta,
        places_delta=places_delta,
        reason=OccupancyReason.COUNT,
        by=None,
    )


@pytest.fixture
def history():
    """A room opened at 10:15 with 10 places; counts at 11:20, 13:05 (+5 places), 15:30."""
    with time_machine.travel(START, tick=False) as clock:
        shelter = ShelterFactory(city="Uralsk")
        space = services.space_save(
            space=Space(shelter=shelter, name="Hall", places=10), fields=[], by=None
        )
        clock.move_to(START.replace(hour=11, minute=20))
        _count(space, 4)
        clock.move_to(START.replace(hour=13, minute=5))
        _count(space, 2, places_delta=5)
        clock.move_to(START.replace(hour=15, minute=30))
        _count(space, -1)
        # Elsewhere: another city, which the city's chart leaves out.
        other = services.space_save(
            space=Space(shelter=ShelterFactory(city="Aktobe"), name="Gym", places=99),
            fields=[],
            by=None,
        )
        _count(other, 50)
    return shelter


def _at(points, hour, minute=0):
    moment = START.replace(hour=hour, minute=minute)
    return next((p.places, p.occupied) for p in points if p.at == moment)


def test_the_history_replays_each_change_at_its_hour(history):
    now = START.replace(hour=15, minute=40)
    points = occupancy_history(
        now=now, places_now=15, occupied_now=5, shelter_id=history.pk, hours=8
    )
    assert [p.at for p in points][-3:] == [
        START.replace(hour=14, minute=0),
        START.replace(hour=15, minute=0),
        now,
    ]
    assert len(points) == 8 + 2  # 9 hour boundaries and now
    assert _at(points, 15, 40) == (15, 5)
    assert _at(points, 15) == (15, 6)  # before the 15:30 count
    assert _at(points, 14) == (15, 6)
    assert _at(points, 13) == (10, 4)  # before 13:05: ten places, four people
    assert _at(points, 11) == (10, 0)
    assert _at(points, 10) == (0, 0)  # the room did not exist yet


def test_the_city_history_leaves_other_cities_out(history):
    now = START.replace(hour=15, minute=40)
    points = occupancy_history(now=now, places_now=15, occupied_now=5, city="Uralsk", hours=8)
    assert _at(points, 13) == (10, 4)
    assert _at(points, 10) == (0, 0)
    everywhere = occupancy_history(now=now, places_now=114, occupied_now=55, hours=8)
    assert _at(everywhere, 15, 40) == (114, 55)
    assert _at(everywhere, 15) == (15, 6)  # the Aktobe gym came at 15:30


def test_last_hours_is_the_tail_of_the_week():
    now = START
    week = [OccupancyPoint(at=now - timedelta(hours=h), places=1, occupied=0) for h in range(170)]
    assert len(last_hours(week, 24)) == 26


def test_nice_steps():
    assert [nice_step(n) for n in (0, 4, 9, 23, 154, 999, 150_000)] == [1, 1, 2, 5, 50, 200, 50_000]


def test_a_day_chart_has_hour_labels_and_stays_in_its_box():
    points = [
        OccupancyPoint(at=START + timedelta(hours=h), places=100, occupied=h * 4) for h in range(25)
    ]
    chart = line_chart(points, hours=24)
    assert [t.label for t in chart.x_ticks][:3] == ["12:00", "16:00", "20:00"]
    assert [t.label for t in chart.y_ticks] == ["0", "20", "40", "60", "80", "100"]
    for pair in chart.occupied.split():
        x, y = map(float, pair.split(","))
        assert chart.left <= x <= chart.right_edge
        assert chart.top <= y <= chart.baseline
    assert chart.used_percent == 96


def test_a_week_chart_has_day_labels_and_reads_negative_as_zero():
    points = [
        OccupancyPoint(at=START + timedelta(hours=h), places=50, occupied=-3 if h == 0 else 10)
        for h in range(169)
    ]
    chart = line_chart(points, hours=168)
    assert [t.label for t in chart.x_ticks][:2] == ["Sat 21", "Sun 22"]
    assert chart.occupied.split()[0].endswith(f",{chart.baseline}.0")


def test_a_tick_at_the_right_edge_goes_unlabelled_instead_of_being_cut_off():
    # A week ending just after midnight: the last day label sits on the right edge.
    end = datetime(2026, 11, 25, 0, 10, tzinfo=ORAL)
    points = [
        OccupancyPoint(at=end - timedelta(hours=h), places=50, occupied=10)
        for h in reversed(range(169))
    ]
    chart = line_chart(points, hours=168)
    assert [t.label for t in chart.x_ticks] == [
        "Thu 19",
        "Fri 20",
        "Sat 21",
        "Sun 22",
        "Mon 23",
        "Tue 24",
        "",
    ]
    assert chart.x_ticks[-1].position > chart.right_edge - 24


def test_the_chart_is_svg_with_a_title_a_description_and_labelled_axes():
    points = [
        OccupancyPoint(at=START + timedelta(hours=h), places=100, occupied=50) for h in range(26)
    ]
    html = Template(
        "{% load occupancy_charts %}"
        "{% occupancy_chart points hours=24 title='Last 24 hours' chart_id='c' %}"
    ).render(Context({"points": points}))
    assert '<svg viewBox="0 0 560 220" role="img" aria-labelledby="c-title c-desc"' in html
    assert '<title id="c-title">Last 24 hours</title>' in html
    assert "Now: 50 people in 100 places." in html
    assert ">16:00</text>" in html and ">100</text>" in html
    assert "<script" not in html and "style=" not in html  # CSP: nothing inline


def test_the_shelter_page_draws_the_charts(as_user, coordinator, history):
    page = as_user(coordinator).get(reverse("shelter:detail", args=[history.pk]))
    body = page.content.decode()
    assert body.count('class="chart"') == 2
    assert "Last 7 days" in body


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_charts_coordinates_are_not_localised(language):
    """ru and kk write 184,5 for 184.5: SVG reads that as two numbers and draws garbage."""
    from django.utils import translation

    points = [
        OccupancyPoint(at=START + timedelta(hours=h), places=100, occupied=50) for h in range(26)
    ]
    with translation.override(language):
        html = Template(
            "{% load occupancy_charts %}"
            "{% occupancy_chart points hours=24 title='t' chart_id='c' %}"
        ).render(Context({"points": points}))
    coordinates = re.findall(r'\s(?:x|y|x1|x2|y1|y2)="([^"]*)"', html)
    assert coordinates and all(re.fullmatch(r"-?\d+(\.\d+)?", value) for value in coordinates)
    assert re.search(r'x="[\d.]+" y="[\d.]+" text-anchor="middle">16:00</text>', html)
