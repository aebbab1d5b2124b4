"""The page's frame (base.html): the header's links and language switcher, and the offline
queue's panel, written once a language instead of once a page.

Every logged-in page carries them, the header twice (the wide screen's row and the phone's
menu). As included templates they cost about as much as a bare logged-in request: links
reversed, words translated and a permission asked on every page. Here the words and links
are looked up once per language (they change only with a deploy), and what belongs to the
request (the user's name, the CSRF token, the address to come back to) is escaped and put in
with plain formatting.
"""

from functools import lru_cache
from html import escape

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from ._rows import csrf_input

register = template.Library()

LINK = '<a class="btn btn-{style} btn-sm" href="{url}">{text}</a>'
LOGOUT = (
    '  <form method="post" action="{url}" class="d-flex" data-logout>{csrf}\n'
    '    <button class="btn btn-outline-light btn-sm flex-fill" type="submit">{text}'
    " ({username})</button>\n"
    "  </form>\n"
)
LANGUAGE_SWITCHER = (
    '<form action="{url}" method="post" class="d-flex gap-1 language-switcher">{csrf}\n'
    '  <input name="next" type="hidden" value="{next}">\n'
    '  <label class="visually-hidden" for="language-select{suffix}">{label}</label>\n'
    '  <select id="language-select{suffix}" name="language" class="form-select form-select-sm">\n'
    "    {options}\n"
    "  </select>\n"
    '  <button type="submit" class="btn btn-light btn-sm">{go}</button>\n'
    "</form>\n"
)
OPTION = '<option value="{code}" lang="{code}"{selected}>{name}</option>'


@lru_cache(maxsize=32)
def _frame(language: str, script_prefix: str) -> dict[str, str]:
    """The header's links and words in `language` (a deploy restarts the processes)."""

    def link(style: str, name: str, text: str) -> str:
        return LINK.format(style=style, url=escape(reverse(name)), text=escape(text))

    return {
        "mine": link("outline-light", "shelter:mine", gettext("My shelters")),
        "waiting": link("outline-light", "coordination:waiting", gettext("Waiting list")),
        "meals": link("outline-light", "coordination:meals", gettext("Meals")),
        "dashboard": link("light", "coordination:dashboard", gettext("Dashboard")),
        "alerts": link("outline-light", "coordination:alerts", gettext("Alerts")),
        "admin": link("outline-light", "admin:index", gettext("Admin")),
        "login": link("outline-light", "login", gettext("Volunteer login")),
        "logout_url": escape(reverse("logout")),
        "logout": escape(gettext("Log out")),
        "setlang_url": escape(reverse("set_language")),
        "language": escape(gettext("Language")),
        "go": escape(gettext("Go")),
    }


def _options(current: str) -> str:
    return "".join(
        OPTION.format(
            code=code,
            selected=" selected" if code == current else "",
            name=escape(translation.get_language_info(code)["name_local"]),
        )
        for code, _name in settings.LANGUAGES
    )


def _links(user, words: dict[str, str], csrf: str) -> str:
    """The links a user's role may follow, as partials/nav_links.html wrote them."""
    if not user.is_authenticated:
        return f"\n  {words['login']}\n"
    html = "\n  \n  "
    # Shelters and households are volunteers', managers' and coordinators' work; a meal
    # provider's menu leaves them out.
    if user.is_staff or user.has_perm("coordination.add_household"):
        html += f"{words['mine']}\n  {words['waiting']}"
    html += f"\n  {words['meals']}\n  "
    if user.is_staff:
        html += "\n    "
        if user.has_perm("shelter.coordinate"):
            html += f"{words['dashboard']}\n    {words['alerts']}"
        html += f"\n    {words['admin']}"
    return (
        html
        + "\n"
        + LOGOUT.format(
            url=words["logout_url"],
            csrf=csrf,
            text=words["logout"],
            username=escape(user.get_username()),
        )
    )


@register.simple_tag(takes_context=True)
def site_nav(context, suffix: str = "") -> SafeString:
    """The header's links, the logout button and the language switcher; `suffix` tells the
    phone's menu copy from the wide screen's (the switcher's ids)."""
    request = context["request"]
    language = translation.get_language()
    words = _frame(language, get_script_prefix())
    csrf = csrf_input(context)
    switcher = LANGUAGE_SWITCHER.format(
        url=words["setlang_url"],
        csrf=csrf,
        next=escape(request.get_full_path()),
        suffix=escape(suffix),
        label=words["language"],
        options=_options(language),
        go=words["go"],
    )
    return mark_safe(_links(context["user"], words, csrf) + "\n\n" + switcher + "\n")  # noqa: S308


@lru_cache(maxsize=32)
def _offline_queue(language: str, script_prefix: str) -> str:
    return render_to_string("partials/offline_queue.html")


@register.simple_tag
def offline_queue() -> SafeString:
    """partials/offline_queue.html, rendered once a language: it holds only words and links."""
    return mark_safe(_offline_queue(translation.get_language(), get_script_prefix()))  # noqa: S308
