"""{% submission_field %}: a form's one-time id, so the server applies it once (offline app)."""

import uuid

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def submission_field():
    return format_html('<input type="hidden" name="submission" value="{}">', uuid.uuid4())
