"""Who is asking: the client's address, for login lockouts and rate limits."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address they saw.

    Only the proxies' own entries of X-Forwarded-For are trusted: a client can write
    anything to the left of them. An entry that is no address (a request that bypassed the
    proxy, a miscounted chain) is not used: the login lockout stores it in an inet column,
    where "notanip" ended in a server error.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= count and _is_address(hops[-count]):
            return hops[-count]
    return request.META.get("REMOTE_ADDR", "")


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def login_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The user name a login attempt is counted under, made safe to store.

    PostgreSQL refuses NUL characters in text, and a name longer than any real one is
    noise: without this a crafted login post would end in a database error.
    """
    source = credentials if credentials else request.POST
    username = str(source.get("username") or "") if source else ""
    return username.replace("\x00", "")[:150]
