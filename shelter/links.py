"""Links written many times on one page, reversed once."""

from collections.abc import Callable

from django.urls import reverse

_PK = 2_147_483_647  # reversed in place of each pk: a number no path holds otherwise


def pk_url(viewname: str) -> Callable[[int], str]:
    """A function of a pk giving the view's URL, as `{% url viewname pk %}` would (the URL
    reversed once, for a whole table)."""
    head, tail = reverse(viewname, args=[_PK]).split(str(_PK))
    return lambda pk: f"{head}{pk}{tail}"
