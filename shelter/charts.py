"""Occupancy charts as plain SVG geometry: no JavaScript, no chart library, nothing from a CDN.

`line_chart` turns points (from `selectors.occupancy_history`) into coordinates, axis ticks
and labels; the template `shelter/partials/occupancy_chart.html` only draws them.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import formats, timezone

from .selectors import OccupancyPoint

# About the size it is shown at on a laptop (half the dashboard), so 13 px labels stay 13 px.
WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 14, 12, 36  # room for the axis labels
Y_TICKS = 5


@dataclass(frozen=True)
class Tick:
    position: float  # x for the time axis, y for the number axis, in SVG units
    label: str


@dataclass(frozen=True)
class LineChart:
    places: str  # polyline points "x,y x,y ..."
    occupied: str
    occupied_area: str  # the same line closed along the time axis, shaded
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    first: OccupancyPoint
    last: OccupancyPoint
    peak_occupied: int
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    top: int = TOP
    baseline: int = HEIGHT - BOTTOM

    @property
    def used_percent(self) -> int:
        return round(100 * self.last.occupied / self.last.places) if self.last.places else 0


def nice_step(largest: int, ticks: int = Y_TICKS) -> int:
    """A round step (1, 2 or 5 times a power of ten) giving at most `ticks` steps to `largest`."""
    raw = max(largest, 1) / ticks
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return max(int(factor * power), 1)
    return int(10 * power)  # pragma: no cover  (the loop always returns)


def _time_ticks(start: datetime, end: datetime, hours: int) -> list[tuple[datetime, str]]:
    """Every 4 hours over a day ("14:00"); every local midnight over a week ("Mon 12")."""
    local_start = timezone.localtime(start)
    if hours <= 48:
        every = 4
        moment = local_start.replace(minute=0, second=0, microsecond=0)
        moment += timedelta(hours=(every - moment.hour % every) % every)
        fmt = "H:i"
    else:
        every = 24
        moment = local_start.replace(hour=0, minute=0, second=0, microsecond=0)
        if moment < local_start:
            moment += timedelta(days=1)
        fmt = "D j"
    ticks = []
    while moment <= end:
        ticks.append((moment, formats.date_format(moment, fmt)))
        # Next label by the wall clock of the city (a day is a day across DST).
        moment = timezone.localtime(moment + timedelta(hours=every))
        moment = moment.replace(minute=0, second=0, microsecond=0)
        if every == 24:
            moment = moment.replace(hour=0)
    return ticks


# Half a label's width: a centred label closer than this to the right edge would be cut off,
# and moved inwards it would run into its neighbour, so such a tick goes unlabelled (the left
# edge has the number axis' margin).
EDGE = 24


def _x_tick(position: float, label: str) -> Tick:
    return Tick(position, label if position <= WIDTH - RIGHT - EDGE else "")


def line_chart(points: list[OccupancyPoint], *, hours: int) -> LineChart:
    """Places and occupied over time, scaled into the plot area; negative figures read as 0."""
    start, end = points[0].at, points[-1].at
    span = max((end - start).total_seconds(), 1)
    largest = max(max(p.places, p.occupied) for p in points)
    step = nice_step(largest)
    top_value = max(step * math.ceil(max(largest, 1) / step), step)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(moment: datetime) -> float:
        return round(LEFT + (moment - start).total_seconds() / span * plot_width, 1)

    def y(value: int) -> float:
        return round(TOP + plot_height - max(value, 0) / top_value * plot_height, 1)

    def line(values) -> str:
        return " ".join(f"{x(p.at)},{y(v)}" for p, v in values)

    occupied = line((p, p.occupied) for p in points)
    baseline = HEIGHT - BOTTOM
    return LineChart(
        places=line((p, p.places) for p in points),
        occupied=occupied,
        occupied_area=f"{x(start)},{baseline} {occupied} {x(end)},{baseline}",
        x_ticks=[_x_tick(x(moment), label) for moment, label in _time_ticks(start, end, hours)],
        y_ticks=[Tick(y(value), str(value)) for value in range(0, top_value + 1, step)],
        first=points[0],
        last=points[-1],
        peak_occupied=max(p.occupied for p in points),
    )
