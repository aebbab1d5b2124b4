"""`{% occupancy_chart points hours=24 title="..." %}`: an occupancy chart drawn as inline SVG."""

from django import template

from ..charts import line_chart

register = template.Library()


@register.inclusion_tag("shelter/partials/occupancy_chart.html")
def occupancy_chart(points, *, hours: int, title: str, chart_id: str):
    return {"chart": line_chart(points, hours=hours), "title": title, "chart_id": chart_id}
