from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from coordination.urls import urlpatterns as app_urlpatterns
from shelter.models import Shelter

FLOOR_BODY = b"x" * 1024


def floor(request):
    """A bare Django view behind the same middleware and server: the fastest a page can be."""
    return HttpResponse(FLOOR_BODY, content_type="text/plain")


@login_required
def floor_logged_in(request):
    """The floor of a volunteer's page: the same login, session and middleware, one query."""
    Shelter.objects.filter(pk=1).exists()
    return HttpResponse(FLOOR_BODY, content_type="text/plain")


urlpatterns = [
    path("bench/floor/", floor),
    path("bench/floor/logged-in/", floor_logged_in),
    *app_urlpatterns,
]
