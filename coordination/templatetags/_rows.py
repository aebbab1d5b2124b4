"""What the tags writing many rows in Python share (links: shelter.links.pk_url)."""

from html import escape


def csrf_input(context) -> str:
    """What {% csrf_token %} writes: the page's one token, in a hidden input."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":  # noqa: S105  (what {% csrf_token %} skips)
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'
