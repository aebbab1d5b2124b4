"""The one rule for `next`: a path on this site, else the default; never a view name."""

import pytest

from shelter.redirects import MAX_NEXT_LENGTH, next_url, redirect_next

LOCAL = ["/", "/dashboard/", "/dashboard/?city=Uralsk&kind=gym#alerts", "/s/3/", "/²/"]
REFUSED = [
    "",
    "0",  # redirect() would try it as a view name: NoReverseMatch after the action
    "x",
    "coordination:dashboard",
    "dashboard/",  # relative: would land under the current page
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "https:evil.example",
    "http://testserver/dashboard/",  # our own host, but not a path: kept simple
    "javascript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,x",
    "/ok\r\nLocation: //evil.example",
    "/\x00",
    "/\x7f",
    "/" + "a" * MAX_NEXT_LENGTH,
]


@pytest.mark.parametrize("value", LOCAL)
def test_a_local_path_is_followed(rf, value):
    assert next_url(rf.get("/", {"next": value}), "/default/") == value
    assert next_url(rf.post("/", {"next": value}), "/default/") == value


@pytest.mark.parametrize("value", REFUSED)
def test_anything_else_gives_the_default(rf, value):
    assert next_url(rf.get("/", {"next": value}), "/default/") == "/default/"
    response = redirect_next(rf.post("/", {"next": value}), "/default/")
    assert (response.status_code, response["Location"]) == (302, "/default/")


def test_a_posted_next_wins_over_the_query_string(rf):
    request = rf.post("/?next=/from-query/", {"next": "/from-form/"})
    assert next_url(request, "/default/") == "/from-form/"
    assert next_url(rf.post("/?next=/from-query/"), "/default/") == "/from-query/"
