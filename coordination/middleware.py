"""Requests that are the client's mistake get a 400, never a server error (which mails the admins).

- A NUL character anywhere in the address (path, query parameter names or values): no page
  takes one, and PostgreSQL refuses it in text ("A string literal cannot contain NUL"), so
  a filter that passed it on would end in a 500. Forms refuse NUL in posted fields
  themselves, with a message at the field.
- The admin's actions with a selected id its model's primary key cannot hold ("²", text):
  Django filters the list by them before it runs the action, and raises.
- The admin's lists answer a filter the database cannot run with a 400: Django accepts any
  lookup on a filtered field and catches what fails while the filter is built ("we don't
  have any other way of validating lookup parameters"), but some fail only when the query
  is compiled or run (`created_at__year=-1`, `status__range=1`, `city__regex=(`). Only
  lists (read-only GETs) asked for a filter get this, so nothing can be half saved, a list
  broken for everyone still ends in a 500, and so does a database that is down.
"""

import json
import logging

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import ERROR_FLAG, IGNORED_PARAMS, PAGE_VAR
from django.core.exceptions import ValidationError
from django.db import DatabaseError, DataError
from django.http import HttpRequest, HttpResponseBadRequest
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
LIST_PARAMETERS = {*IGNORED_PARAMS, PAGE_VAR, ERROR_FLAG}  # order, page, search...: not filters


def _bad_request(request: HttpRequest, message: str) -> HttpResponseBadRequest:
    """Plain text; JSON (`{"detail": ...}`, as the API documents it) under /api/."""
    if request.path.startswith("/api/"):
        body = json.dumps({"detail": message}, ensure_ascii=False)
        return HttpResponseBadRequest(body, content_type="application/json")
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def has_nul(request: HttpRequest) -> bool:
    return "\x00" in request.path or any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


class BadRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if has_nul(request):
            return _bad_request(request, _("This address contains a character no page accepts."))
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        model_admin = getattr(view_func, "model_admin", None)
        if model_admin is None or request.method != "POST":
            return None
        primary_key = model_admin.model._meta.pk
        try:
            for value in request.POST.getlist(ACTION_CHECKBOX_NAME):
                primary_key.to_python(value)
        except ValidationError:
            return _bad_request(request, _("The selection names no row of this list."))
        return None

    def process_exception(self, request: HttpRequest, exception: Exception):
        if request.method not in ("GET", "HEAD") or not _filters_admin_list(request):
            return None
        if isinstance(exception, DatabaseError) and not isinstance(exception, DataError):
            return None  # the database is unwell: that is ours to hear about
        logger.warning("admin list %s: filter refused: %r", request.path, exception)
        return _bad_request(request, _("This list cannot be filtered like that."))


def _filters_admin_list(request: HttpRequest) -> bool:
    """An admin list asked for with at least one filter (a lookup) in its query string."""
    match = request.resolver_match
    if match is None or getattr(match.func, "model_admin", None) is None:
        return False
    if not (match.url_name or "").endswith("_changelist"):
        return False
    return any(name not in LIST_PARAMETERS for name in request.GET)
