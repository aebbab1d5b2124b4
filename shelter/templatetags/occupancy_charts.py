"""`{% occupancy_chart points hours=24 title="..." %}`: an occupancy chart drawn as inline SVG.

Written in Python with plain formatting (what shelter/partials/occupancy_chart.html wrote,
the same SVG): every shelter page and the dashboard draw two, and the template's loops over
ticks and points cost more than the rest of the chart. Coordinates are written unlocalized
("184.5", never the "184,5" of ru and kk, which SVG cannot read); the figures people read
(the description and the legend) are localized as the page's other numbers.
"""

from html import escape

from django import template
from django.utils import timezone
from django.utils.formats import date_format, localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from ..charts import LineChart, line_chart

register = template.Library()

CHART = """<figure class="occupancy-chart mb-3">
  <figcaption class="fw-semibold">{title}</figcaption>
  {svg}
    <title id="{id}-title">{title}</title>
    <desc id="{id}-desc">{desc}</desc>
    <g class="grid">
      {grid}
    </g>
    <g class="axis-labels y-labels">
      {y_labels}
    </g>
    <g class="axis-labels x-labels">
      {x_labels}
    </g>
    <line class="axis" x1="{c.left}" x2="{c.right_edge}" y1="{c.baseline}" y2="{c.baseline}"/>
    <line class="axis" x1="{c.left}" x2="{c.left}" y1="{c.top}" y2="{c.baseline}"/>
    <polygon class="occupied-area" points="{c.occupied_area}"/>
    <polyline class="places" points="{c.places}"/>
    <polyline class="occupied" points="{c.occupied}"/>
  </svg>
  <div class="chart-legend small">
    <span class="key key-places"></span> {places_word} ({places})
    <span class="key key-occupied ms-3"></span> {occupied_word} ({occupied}, {percent}%)
  </div>
</figure>
"""
SVG = (
    '<svg viewBox="0 0 {c.width} {c.height}" role="img" aria-labelledby="{id}-title {id}-desc"'
    ' class="chart" id="{id}">'
)
GRID_LINE = '<line x1="{left}" x2="{right}" y1="{y}" y2="{y}"/>'
Y_LABEL = '<text x="{x}" y="{y}" dy="0.35em" text-anchor="end">{label}</text>'
X_TICK = (
    '<line class="tick" x1="{x}" x2="{x}" y1="{baseline}" y2="{tick_end}"/>'
    '<text x="{x}" y="{label_y}" text-anchor="middle">{label}</text>'
)


def _description(chart: LineChart) -> str:
    """The chart in words, for screen readers (the words are our catalog's, as they are)."""
    first_at = timezone.localtime(chart.first.at)
    return gettext(
        "At %(first_at)s: %(first_occ)s people in %(first_places)s places. Now: %(occ)s people"
        " in %(places)s places. Most people at one time: %(peak)s."
    ) % {
        "first_at": escape(date_format(first_at, "SHORT_DATETIME_FORMAT")),
        "first_occ": localize(chart.first.occupied),
        "first_places": localize(chart.first.places),
        "occ": localize(chart.last.occupied),
        "places": localize(chart.last.places),
        "peak": localize(chart.peak_occupied),
    }


def chart_html(chart: LineChart, *, title: str, chart_id: str) -> str:
    chart_id = escape(chart_id)
    return CHART.format(
        c=chart,
        svg=SVG.format(c=chart, id=chart_id),
        title=escape(str(title)),
        id=chart_id,
        desc=_description(chart),
        grid="".join(
            GRID_LINE.format(left=chart.left, right=chart.right_edge, y=tick.position)
            for tick in chart.y_ticks
        ),
        y_labels="".join(
            Y_LABEL.format(x=chart.left - 6, y=tick.position, label=escape(tick.label))
            for tick in chart.y_ticks
        ),
        x_labels="".join(
            X_TICK.format(
                x=tick.position,
                baseline=chart.baseline,
                tick_end=chart.baseline + 5,
                label_y=chart.baseline + 21,
                label=escape(tick.label),
            )
            for tick in chart.x_ticks
        ),
        places_word=gettext("places"),
        places=localize(chart.last.places),
        occupied_word=gettext("people (occupied)"),
        occupied=localize(chart.last.occupied),
        percent=localize(chart.used_percent),
    )


@register.simple_tag
def occupancy_chart(points, *, hours: int, title: str, chart_id: str) -> SafeString:
    html = chart_html(line_chart(points, hours=hours), title=title, chart_id=chart_id)
    return mark_safe(html)  # noqa: S308  (every value escaped or a number)
