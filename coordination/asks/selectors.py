"""Reads for the person's status page: their request by token, and where it stands.

Nothing personal leaves here beyond the group size and the code: the status page is opened
by whoever has the link.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from ..models import Hold, HoldStatus, Household, HouseholdStatus, Stay
from .models import Ask
from .services import token_hash


class AskState:
    WAITING = "waiting"
    HELD = "held"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"
    CLOSED = "closed"  # left the shelter, or taken off the list


@dataclass(frozen=True)
class AskStatus:
    code: str
    size: int
    state: str
    before: int = 0  # groups waiting longer (WAITING only)
    hold: Hold | None = None  # with space and shelter (HELD only)
    checked_in_at: datetime | None = None
    space_name: str = ""

    @property
    def key(self) -> str:
        """Changes whenever the page would show something else (the refresh compares it)."""
        return f"{self.state}:{self.before}:{self.hold.pk if self.hold else ''}"


def ask_by_token(token: str) -> Ask | None:
    """The open or cancelled request of this link; None for a wrong, or a purged, link."""
    if not token or len(token) > 100:
        return None
    return Ask.objects.select_related("household").filter(token_hash=token_hash(token)).first()


def ask_status(ask: Ask) -> AskStatus:
    """Where the request stands. Queries: at most 3 (open stay, active hold, the count)."""
    household = ask.household
    base = {"code": ask.code or "", "size": household.size}
    if ask.cancelled_at is not None:
        return AskStatus(state=AskState.CANCELLED, **base)
    stay = (
        Stay.objects.filter(household=household, checked_out_at__isnull=True)
        .select_related("space__shelter")
        .first()
    )
    if stay is not None:
        return AskStatus(
            state=AskState.CHECKED_IN,
            checked_in_at=stay.checked_in_at,
            space_name=stay.space.shelter.name,
            **base,
        )
    if household.status != HouseholdStatus.WAITING:
        return AskStatus(state=AskState.CLOSED, **base)
    hold = (
        Hold.objects.filter(household=household, status=HoldStatus.ACTIVE)
        .select_related("space__shelter")
        .first()
    )
    if hold is not None:
        return AskStatus(state=AskState.HELD, hold=hold, **base)
    # The waiting list's order (HouseholdQuerySet.waiting_for_place): oldest first, by pk.
    before = (
        Household.objects.waiting_for_place()
        .filter(
            Q(waiting_since__lt=household.waiting_since)
            | Q(waiting_since=household.waiting_since, pk__lt=household.pk)
        )
        .count()
    )
    return AskStatus(state=AskState.WAITING, before=before, **base)
