"""Hostile input on every URL the resolver knows, in every role: never a 500, never a partial save.

Nothing here names a view. The routes come from the URL resolver, the admin's models from
its registry, the query parameters and form fields from the pages themselves (every <form>
and link a page renders for that role), so a new view, form, filter or admin is covered
without editing this file. The seeded world and the ids in each route are the permissions
matrix's (tests/test_permissions_matrix.py), which already fails for a URL it lacks.
As anonymous, a volunteer and a coordinator, each route gets:

- GET with every hostile value in each query parameter its page knows, in a made-up one,
  and a hostile `next` beside it;
- crafted paths: each id 0, -1, 2**63, 2**64 and 40 digits (text parts also NUL, "²"...);
- HEAD, OPTIONS, PUT, PATCH and DELETE;
- POSTs: each form as the page rendered it with each hostile `next`, each other submit
  button once, each field in turn hostile, every field hostile at once; and a bare POST
  with a hostile `next` to every route;
- the admin: as a superuser each model's list with hostile values for every lookup of each
  filtered field, ordering, page, search and made-up lookups, its actions with hostile
  selections, the autocomplete; and in every role each admin page with hostile ids.

Assertions: no response is a 500 (the test client re-raises a view's exception: recorded as
a 500, "after saving" when the database had changed); every redirect stays on this site; a
POST answered with an error (4xx) or its form again (200, HTML) changed nothing (a
fingerprint of every table before and after). Each request runs in a savepoint rolled back
afterwards, so every request meets the same world. test_generated_mixtures adds random
mixtures (hypothesis) of the same values over random pages and forms.
"""

import logging
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urljoin, urlsplit

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import UserFactory
from tests.test_permissions_matrix import EXPECTED, world  # noqa: F401  (the seeded world)

HOSTILE = [
    "",
    "x",
    "0",
    "-1",
    "²",  # str.isdigit() says yes, int() says no
    "٣",  # an Arabic-Indic three: int() reads it
    "\uff11\uff12",  # full-width digits
    "\x00",
    str(2**31),
    str(2**63),  # one past bigint
    str(2**64),
    "9" * 5000,  # past int()'s 4,300 digits
    "NaN",
    "-0.5",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "ß" * 3000,
    "\r\nSet-Cookie: x=1",
    "2026-02-30",
]
NEXT = [
    "x",
    "0",
    "²",
    "coordination:dashboard",  # a view name: redirect() would reverse it
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,x",
    "/ok\r\nLocation: //evil.example",
    "/\x00",
    "/" + "a" * 5000,
    "/accounts/login/",
    "/dashboard/?city=x#alerts",
]
# For views whose pages show no `next`: the values that broke redirect() or left the site.
NEXT_SHORT = ["0", "x", "coordination:dashboard", "//evil.example", "javascript:alert(1)", "/\x00"]
PATH_IDS = ["0", "-1", str(2**63), str(2**64), "9" * 40]
PATH_TEXT = ["x", "\x00", "²", "a" * 300]
FIELD_HOSTILE = ["", "²", "\x00", str(2**64), "-1", "ß" * 3000]  # one field at a time
# Names every view might read although no page of the seeded world shows them.
GENERIC_PARAMS = ["next", "page", "shelter", "city", "kind", "status", "q", "o", "p", "all"]

ROLES = ["anonymous", "volunteer_a", "coordinator"]
OTHER_METHODS = ["head", "options", "put", "patch", "delete"]
WRITES = {"post", "put", "patch", "delete"}
# Tables whose rows change on every request or login, whatever the request asked.
VOLATILE_APPS = {"sessions", "axes"}

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- The routes, from the resolver ----------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    template: str  # "households/<int:pk>/hold/"

    @property
    def parameters(self) -> list[tuple[str, str]]:
        return re.findall(r"<(?:(\w+):)?(\w+)>", self.template)

    def fill(self, values: dict[str, str]) -> str:
        def value(match):
            return quote(str(values[match.group(1)]), safe="")

        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", value, self.template)


def _routes(patterns=None, prefix="", namespace=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = namespace + (pattern.name or "")
            yield Route(name, prefix + str(pattern.pattern))


ROUTES = [route for route in _routes() if not route.name.startswith("admin:")]
ADMIN_ROUTES = [route for route in _routes() if route.name.startswith("admin:")]


def _seeded_path(route: Route, objects: dict) -> str | None:
    """The route with the seeded world's objects (as the permissions matrix names them)."""
    if not route.parameters:
        return route.fill({})
    if route.name not in EXPECTED:
        return None
    arguments = EXPECTED[route.name][1]
    return reverse(route.name, kwargs={k: objects.get(v, v) for k, v in arguments.items()})


def _crafted_paths(route: Route) -> list[str]:
    """The route with each hostile id (digits only for <int:>, anything for the others)."""
    paths = []
    for converter, _name in route.parameters:
        values = PATH_IDS if converter == "int" else PATH_IDS + PATH_TEXT
        for value in values:
            paths.append(route.fill({n: value for _c, n in route.parameters}))
    return paths


# --- What a page offers: its forms and links ------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        """The same form on another page: same action, fields and buttons."""
        names = tuple(name for name, _value in self.fields)
        return (urlsplit(self.action).path, names, tuple(self.buttons))

    def submissions(self) -> list[list[tuple[str, str]]]:
        """The form as sent by each of its named submit buttons (or by Enter)."""
        if not self.buttons:
            return [list(self.fields)]
        return [[*self.fields, button] for button in self.buttons]


class _PageParser(HTMLParser):
    def __init__(self, url: str):
        super().__init__()
        self.url = url
        self.forms: list[Form] = []
        self.link_params: set[str] = set()
        self._form: Form | None = None
        self._select: str | None = None
        self._select_value: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "a" and "?" in attrs.get("href", ""):
            query = urlsplit(attrs["href"]).query
            self.link_params |= {part.split("=")[0] for part in query.split("&") if part}
        if tag == "form":
            action = urljoin(self.url, attrs.get("action") or self.url)
            self._form = Form(action=action, method=attrs.get("method", "get").lower())
            self.forms.append(self._form)
        if self._form is None or not attrs.get("name"):
            return
        name = attrs["name"]
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind == "submit":
                self._form.buttons.append((name, attrs.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._form.fields.append((name, attrs.get("value", "on")))
            else:
                self._form.fields.append((name, attrs.get("value", "")))
        elif tag == "button" and attrs.get("type", "submit") == "submit":
            self._form.buttons.append((name, attrs.get("value", "")))
        elif tag == "textarea":
            self._form.fields.append((name, ""))
        elif tag == "select":
            self._select, self._select_value = name, None
        if tag == "option" and self._select and self._select_value is None:
            self._select_value = attrs.get("value", "")
        if tag == "option" and self._select and "selected" in attrs:
            self._select_value = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select" and self._form is not None and self._select:
            self._form.fields.append((self._select, self._select_value or ""))
            self._select = None
        if tag == "form":
            self._form = None


@dataclass
class Site:
    """What the seeded pages offer one role: GET pages with their parameters, POST forms."""

    pages: dict[str, set[str]] = field(default_factory=dict)  # path -> parameter names
    forms: dict[str, list[Form]] = field(default_factory=dict)  # action path -> forms


def _explore(client, paths: list[str]) -> Site:
    site = Site()
    seen = set()
    for path in paths:
        response = _quietly(client, "get", path)
        names = set(GENERIC_PARAMS)
        if response is not None and "html" in response.get("Content-Type", ""):
            parser = _PageParser(path)
            parser.feed(response.content.decode(errors="replace"))
            names |= parser.link_params
            for form in parser.forms:
                target = urlsplit(form.action).path
                if form.method == "get" and target == path:
                    names |= {name for name, _value in form.fields}
                elif form.method == "post" and form.key not in seen:
                    seen.add(form.key)  # the language switcher and logout are on every page
                    site.forms.setdefault(target, []).append(form)
        site.pages[path] = names
    return site


def _quietly(client, method, path, data=None):
    """A request whose failure the exploration does not judge (the sweeps do)."""
    try:
        with transaction.atomic():
            response = getattr(client, method)(path, data or {})
            transaction.set_rollback(True)
            return response
    except Exception:  # recorded by the sweeps, which send the same
        return None


# --- Requests, judged -----------------------------------------------------------------------


def _fingerprint_sql() -> tuple[list[str], str]:
    tables = sorted(
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label not in VOLATILE_APPS and model._meta.managed
    )
    digest = "(SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {} t)"
    parts = [digest.format(connection.ops.quote_name(table)) for table in tables]
    return tables, "SELECT " + ", ".join(parts)  # table names from the models, not input


TABLES, FINGERPRINT = _fingerprint_sql()


def _fingerprint() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(FINGERPRINT)
        return dict(zip(TABLES, cursor.fetchone(), strict=True))


def _changed_since(before: dict[str, str]) -> list[str]:
    """The tables whose rows differ from the fingerprint (none if the database cannot say)."""
    try:
        with transaction.atomic():
            after = _fingerprint()
    except DatabaseError:  # the failed request left its transaction unusable
        return []
    return [table for table, value in after.items() if before[table] != value]


class _Undo(Exception):
    """Leaves the savepoint: every request meets the same world."""


@dataclass
class Judge:
    client: object
    role: str
    failures: list[str] = field(default_factory=list)
    requests: int = 0

    def get(self, path: str, params=None) -> None:
        self._send("get", path, params or {})

    def post(self, path: str, data) -> None:
        self._send("post", path, data)

    def other(self, method: str, path: str) -> None:
        """HEAD, OPTIONS, PUT, PATCH or DELETE, with no body."""
        self._send(method, path, "")

    def _send(self, method: str, path: str, data) -> None:
        self.requests += 1
        where = f"{self.role} {method.upper()} {path[:120]} {_short(data)}"
        try:
            with transaction.atomic():
                before = _fingerprint() if method in WRITES else None
                try:
                    response = getattr(self.client, method)(path, data)
                except Exception as exc:  # the test client re-raises a view's exception
                    saved = " after saving" if before and _changed_since(before) else ""
                    self.failures.append(f"{where}: 500{saved} {type(exc).__name__}: {exc}"[:400])
                    raise _Undo from exc
                self._judge(where, method, response, before)
                raise _Undo
        except _Undo:
            pass

    def _judge(self, where: str, method: str, response, before) -> None:
        status = response.status_code
        if status >= 500:
            self.failures.append(f"{where}: {status}")
            return
        if 300 <= status < 400 and not _stays_here(response.get("Location", "")):
            self.failures.append(f"{where}: redirect off the site to {response['Location']!r}")
        if method not in WRITES:
            return
        changed = _changed_since(before)
        html = "html" in response.get("Content-Type", "")
        refused = status >= 400 or (status == 200 and html)
        if changed and refused:
            self.failures.append(f"{where}: {status} but changed {changed}")

    def assert_clean(self) -> None:
        report = "\n".join(self.failures[:40])
        more = f"\n... and {len(self.failures) - 40} more" if len(self.failures) > 40 else ""
        assert not self.failures, f"{len(self.failures)} of {self.requests} failed:\n{report}{more}"


def _stays_here(location: str) -> bool:
    """A path on this site: no scheme, no host, nothing a browser reads as a host."""
    if any(ord(ch) < 32 for ch in location) or location.startswith(("//", "/\\")):
        return False
    parts = urlsplit(location)
    return not parts.scheme and not parts.netloc and location.startswith("/")


def _short(data) -> str:
    text = repr(data if isinstance(data, dict) else dict(data))
    return text if len(text) < 160 else text[:157] + "..."


# --- The sweeps ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _quiet_request_log():
    """Thousands of 4xx warnings would bury the report; errors are still logged."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
def role_client(client, world, settings):  # noqa: F811  (world is the imported fixture)
    # the sweep is one client asking a lot
    settings.PUBLIC_RATE_LIMIT_CLIENT = "1000000/m"
    settings.PUBLIC_RATE_LIMIT_NEW = "1000000/m"
    settings.PUBLIC_RATE_LIMIT_ADDRESS = "1000000/m"

    def login(role: str):
        people, objects = world
        client.logout()
        if people[role] is not None:
            client.force_login(people[role])
        return client, objects

    return login


def _pairs(values: list[str], nexts: list[str]) -> list[tuple[str, str]]:
    """Each hostile value once and each hostile `next` once, side by side."""
    count = max(len(values), len(nexts))
    return [(values[i % len(values)], nexts[i % len(nexts)]) for i in range(count)]


def _pages(objects) -> list[str]:
    return [path for route in ROUTES if (path := _seeded_path(route, objects)) is not None]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_hostile_query_parameters_and_path_ids(role_client, role):
    client, objects = role_client(role)
    judge = Judge(client, role)
    site = _explore(client, _pages(objects))
    for path, names in site.pages.items():
        for value, back in _pairs(HOSTILE, NEXT):
            judge.get(path, {**dict.fromkeys(names, value), "made_up": value, "next": back})
    for path in site.pages:
        for method in OTHER_METHODS:
            judge.other(method, path)
    for route in ROUTES:
        for path in _crafted_paths(route):
            judge.get(path)
            judge.post(path, {"next": "0"})
    judge.assert_clean()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_hostile_posts_to_every_view(role_client, role):
    client, objects = role_client(role)
    judge = Judge(client, role)
    pages = _pages(objects)
    site = _explore(client, pages)
    for path in pages:  # every view, with or without a form of its own
        for value in NEXT_SHORT:
            judge.post(path, {"next": value})
    for action, forms in site.forms.items():
        for form in forms:
            first, *others = form.submissions()
            nexts = NEXT if any(name == "next" for name, _value in first) else NEXT_SHORT
            for value in nexts:  # the action succeeds, then `next` decides where to go
                judge.post(action, _with(first, "next", value))
            for sent in others:  # each other button once
                judge.post(action, _with(sent, "next", "0"))
            for name, _value in first:
                for value in FIELD_HOSTILE:
                    judge.post(action, _with(first, name, value))
            for value in HOSTILE:
                judge.post(action, {name: value for name, _value in first})
    judge.assert_clean()


def _with(fields: list[tuple[str, str]], name: str, value: str) -> dict:
    data: dict[str, list[str]] = {}
    for key, old in fields:
        data.setdefault(key, []).append(old)
    data[name] = [value]
    return data


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_generated_mixtures(role_client, data):
    """Random mixtures of the hostile values over the fields and parameters of random pages."""
    role = data.draw(st.sampled_from(ROLES))
    client, objects = role_client(role)
    pages = _pages(objects)
    path = data.draw(st.sampled_from(pages))
    judge = Judge(client, role)
    site = _explore(client, [path])
    values = st.one_of(st.sampled_from(HOSTILE + NEXT), st.text(max_size=40))
    names = sorted(site.pages[path] | {"next", "made_up"})
    judge.get(path, data.draw(st.dictionaries(st.sampled_from(names), values, max_size=6)))
    if site.forms:
        action = data.draw(st.sampled_from(sorted(site.forms)))
        form = data.draw(st.sampled_from(site.forms[action]))
        sent = dict(data.draw(st.sampled_from(form.submissions())))
        fields = sorted(set(sent) | {"next"})
        changes = data.draw(st.dictionaries(st.sampled_from(fields), values, max_size=4))
        judge.post(action, {**sent, **changes})
    judge.assert_clean()


# --- The admin, from its registry -------------------------------------------------------------

# Hostile values per lookup of a filtered field (Django's admin accepts any lookup on one).
LOOKUP_VALUES = {
    "exact": ["\x00", "²", str(2**64)],
    "in": ["²,\x00"],
    "gte": ["²"],
    "isnull": ["²"],
    "year": ["-1", str(2**64)],
    "month": ["13"],
    "day": ["32"],
    "regex": ["("],
    "date": ["2026-02-30"],
    "range": ["1"],
}
ADMIN_PARAMS = {
    "o": ["zzz", "1.-2"],
    "p": ["-1", "²", str(2**64)],
    "q": ["\x00", "x" * 3000],
    "e": ["1"],
    "_to_field": ["password"],
    "no_such_field__exact": ["1"],
    "id__no_such_lookup": ["1"],
    "pk__in": ["²,\x00"],
}
ADMIN_IDS = ["0", str(2**64), "²"]


def _filter_parameters(model_admin, request) -> list[tuple[str, str]]:
    """(parameter, value) for the list's filters: each lookup of each filtered field."""
    pairs = []
    for spec in model_admin.get_list_filter(request):
        if isinstance(spec, tuple | list):
            spec = spec[0]
        if isinstance(spec, str):
            for lookup, values in LOOKUP_VALUES.items():
                pairs += [(f"{spec}__{lookup}", value) for value in values]
        elif hasattr(spec, "parameter_name"):
            pairs += [(spec.parameter_name, value) for value in LOOKUP_VALUES["exact"]]
    if model_admin.date_hierarchy:
        for part in ("year", "month", "day"):
            pairs += [(f"{model_admin.date_hierarchy}__{part}", str(2**64))]
    return pairs


def _first_pk(model) -> str:
    pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
    return "1" if pk is None else str(pk)


def _staff_request(rf, user):
    request = rf.get("/admin/")
    request.user = user
    return request


@pytest.mark.django_db
def test_hostile_admin_lists_pages_and_actions(client, world, rf):  # noqa: F811
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    judge = Judge(client, "superuser")
    request = _staff_request(rf, superuser)
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        for name, value in _filter_parameters(model_admin, request):
            judge.get(changelist, {name: value})
        for name, values in ADMIN_PARAMS.items():
            for value in values:
                judge.get(changelist, {name: value})
        for action in model_admin.get_actions(request):
            for selected in ["²", "\x00", str(2**64), _first_pk(model)]:
                data = {"action": action, "_selected_action": selected, "index": "0"}
                judge.post(changelist, data)
            judge.post(changelist, {"action": action, "select_across": "1", "index": "x"})
        for field_name in model_admin.autocomplete_fields:
            params = {"app_label": info[0], "model_name": info[1], "field_name": field_name}
            for term in ["\x00", "²", "x" * 3000]:
                judge.get(reverse("admin:autocomplete"), {**params, "term": term})
    _sweep_admin_routes(judge)
    judge.assert_clean()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_hostile_admin_addresses_in_other_roles(role_client, role):
    """Who is not a superuser meets the admin's login page or a narrower admin."""
    client, _objects = role_client(role)
    judge = Judge(client, role)
    _sweep_admin_routes(judge)
    judge.assert_clean()


def _sweep_admin_routes(judge: Judge) -> None:
    """Every admin page from the resolver, with hostile ids and parameters."""
    for route in ADMIN_ROUTES:
        if route.parameters:
            for value in ADMIN_IDS:
                judge.get(route.fill({name: value for _c, name in route.parameters}))
        else:
            for value in ["\x00", "0", "//evil.example"]:
                judge.get(route.fill({}), {"next": value, "q": value, "term": value})
