"""Sections other apps add to a shelter's page, so that `shelter` never imports them.

`coordination` registers one (the households on their way here, the check-outs that can
still be undone, "register an arrival here") in its AppConfig.ready(). A provider is called
once per page view with the request and the shelter (with its sums and spaces loaded), and
returns a Section, or None to add nothing; it loads everything its template shows, in a fixed
number of queries, and decides itself what the user may see.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest

from .models import Shelter


@dataclass(frozen=True)
class Section:
    template: str  # rendered with `section` (this object) and the page's own context
    context: dict = field(default_factory=dict)


Provider = Callable[[HttpRequest, Shelter], Section | None]

_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Add a section to every shelter page (once, however often it is called)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def sections_for(request: HttpRequest, shelter: Shelter) -> list[Section]:
    """The sections of the shelter's page, in the order they were registered."""
    return [s for s in (provider(request, shelter) for provider in _providers) if s is not None]
