"""The one rule for `next`: a path on this site, else the default; never a view name."""

import ast
from pathlib import Path

import pytest

from shelter.redirects import MAX_NEXT_LENGTH, next_url, redirect_next
from tests.source import project_modules

HELPER = Path("shelter/redirects.py")

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


def _request_value_to_redirect(tree: ast.AST) -> list[int]:
    """Lines calling redirect() with something other than a literal or a function's answer
    (a variable, request.POST[...], request.GET.get(...)): a value that may come from the
    request, which redirect() would try as a view name."""
    lines = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "redirect"):
            continue
        target = node.args[0] if node.args else None
        looked_up = isinstance(target, ast.Call) and getattr(target.func, "attr", "") == "get"
        if not isinstance(target, ast.Constant | ast.Call) or looked_up:
            lines.append(node.lineno)
    return lines


SECOND_RULE = {"next", "HTTP_REFERER", "url_has_allowed_host_and_scheme"}


def _second_rule(tree: ast.AST) -> set[str]:
    """A `next` or Referer read, or a host check, of its own."""
    words = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            words.add(node.value)
        elif isinstance(node, ast.Attribute):
            words.add(node.attr)
        elif isinstance(node, ast.alias):
            words.add(node.name)
    return words & SECOND_RULE


def test_next_is_read_by_the_one_helper_only():
    """Elsewhere a `next`, a Referer or a host check would be a second rule for redirects."""
    modules = dict(project_modules())
    assert HELPER in modules and _second_rule(modules[HELPER]) >= {"next"}
    second = {
        str(path): words
        for path, tree in modules.items()
        if path != HELPER
        if (words := _second_rule(tree))
    }
    assert second == {}
    risky = {
        str(path): lines
        for path, tree in modules.items()
        if (lines := _request_value_to_redirect(tree))
    }
    assert risky == {}


@pytest.mark.parametrize(
    "source",
    [
        'redirect(request.POST.get("next", "/"))',
        "redirect(target)",
        'redirect(request.GET["next"])',
    ],
)
def test_the_source_check_finds_a_request_value_given_to_redirect(source):
    assert _request_value_to_redirect(ast.parse(source)) == [1]
    assert _request_value_to_redirect(ast.parse('redirect("coordination:meals")')) == []
