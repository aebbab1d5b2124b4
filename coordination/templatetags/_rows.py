"""What the tags writing many rows in Python share (waiting_tags, meal_tags)."""

from html import escape

from shelter.links import pk_url  # noqa: F401  (for the row tags, from here)


def csrf_input(context) -> str:
    """What {% csrf_token %} writes: the page's one token, in a hidden input."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":  # noqa: S105  (what {% csrf_token %} skips)
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'
