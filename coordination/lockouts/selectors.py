"""Reads of login lockouts from django-axes' AccessAttempt rows.

Axes keeps one row per (user name, address, browser) with its failures and the time of the
last one; a pair is locked while the failures of its rows newer than the cool-off add up to
AXES_FAILURE_LIMIT. Attempts while locked are not recorded, so the lock ends when enough of
those rows grow older than the cool-off: usually the last failure plus AXES_COOLOFF_HOURS.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F, Sum, Window

MAX_LISTED = 100


@dataclass(frozen=True)
class LockedLogin:
    username: str
    ip_address: str | None
    failures: int
    last_failure: datetime
    locked_until: datetime


def _locked_until(rows: Iterable[tuple[datetime, int]], cool_off: timedelta) -> datetime | None:
    """When failures newer than the cool-off drop below the limit; None if not locked now."""
    rows = sorted(rows)
    remaining = sum(failures for _, failures in rows)
    if remaining < settings.AXES_FAILURE_LIMIT:
        return None
    for at, failures in rows:
        remaining -= failures
        if remaining < settings.AXES_FAILURE_LIMIT:
            return at + cool_off
    return None  # a limit of 0 or less never locks (axes: lockouts off)


def _locked(username, ip_address, rows: list[tuple[datetime, int]], cool_off) -> LockedLogin:
    return LockedLogin(
        username=username or "",
        ip_address=ip_address,
        failures=sum(failures for _, failures in rows),
        last_failure=max(at for at, _ in rows),
        locked_until=_locked_until(rows, cool_off),
    )


def login_lockout(*, username: str, ip_address: str | None, now: datetime) -> LockedLogin | None:
    """The lock on one (user name, address) pair, or None when it may log in."""
    cool_off = get_cool_off()
    rows = list(
        AccessAttempt.objects.filter(
            username=username, ip_address=ip_address or None, attempt_time__gte=now - cool_off
        ).values_list("attempt_time", "failures_since_start")
    )
    if _locked_until(rows, cool_off) is None:
        return None
    return _locked(username, ip_address, rows, cool_off)


def logins_locked(*, now: datetime, username: str = "") -> tuple[list[LockedLogin], int]:
    """Pairs locked now, the most recently locked first (at most MAX_LISTED), and how many.

    One query: the rows of the pairs whose recent failures reach the limit (a window sum per
    pair), grouped here. `username` narrows it to names containing it.
    """
    cool_off = get_cool_off()
    attempts = AccessAttempt.objects.filter(attempt_time__gte=now - cool_off)
    if username:
        attempts = attempts.filter(username__icontains=username)
    rows = (
        attempts.annotate(
            pair_failures=Window(
                Sum("failures_since_start"), partition_by=[F("username"), F("ip_address")]
            )
        )
        .filter(pair_failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("username", "ip_address", "attempt_time")
        .values_list("username", "ip_address", "attempt_time", "failures_since_start")
    )
    locked = []
    for (name, address), pair_rows in groupby(rows, key=lambda row: row[:2]):
        times = [(at, failures) for _, _, at, failures in pair_rows]
        if _locked_until(times, cool_off) is not None:
            locked.append(_locked(name, address, times, cool_off))
    locked.sort(key=lambda lock: lock.last_failure, reverse=True)
    return locked[:MAX_LISTED], len(locked)
