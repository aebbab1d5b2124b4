from django.http import HttpResponse
from django.urls import path

from coordination.urls import urlpatterns as app_urlpatterns

FLOOR_BODY = b"x" * 1024


def floor(request):
    """A bare Django view behind the same middleware and server: the fastest a page can be."""
    return HttpResponse(FLOOR_BODY, content_type="text/plain")


urlpatterns = [path("bench/floor/", floor), *app_urlpatterns]
