"""Business actions on online requests: ask (household + request in one go), cancel.

Lock order as in coordination/households/services.py: the Household row first, then (through
hold_release) the shelter. Logs name requests by their household's id only.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shelter.errors import ShelterError

from ..errors import AlreadyCheckedIn
from ..households import services as household_services
from ..models import Hold, HoldStatus, Household, HouseholdStatus, Stay
from .models import CODE_ALPHABET, CODE_LENGTH, Ask

logger = logging.getLogger(__name__)

CODE_ATTEMPTS = 8  # a collision among open requests is rare (887 million codes): retry


class AskClosed(ShelterError):
    """The request was cancelled, or taken off the waiting list, already."""

    def __init__(self):
        super().__init__(_("This request is closed already: nothing was changed."))


def code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def token_hash(token: str) -> str:
    """What is stored of a private link's token: its sha256 (the token has 256 random bits,
    so a plain hash is enough; nothing in the row lets anyone rebuild the link)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class AskCreated:
    ask: Ask
    token: str  # shown once, in the private link; only its hash is kept


def ask_create(*, household: Household, where_now: str) -> AskCreated:
    """Put the asking household on the waiting list with its request, code and token.

    The household is registered nowhere and by nobody: only coordinators see its details,
    volunteers of shelters taking people see it without them (coordination.access). A code
    already used by an open request (the unique constraint) is replaced and tried again.
    """
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        household.registered_by = None
        household.registered_at = None
        household.status = HouseholdStatus.WAITING
        household.save()
        for attempt in range(CODE_ATTEMPTS):
            try:
                with transaction.atomic():  # a savepoint: a collision does not spoil the rest
                    ask = Ask.objects.create(
                        household=household,
                        code=code_new(),
                        token_hash=token_hash(token),
                        where_now=where_now,
                        consented_at=now,
                    )
                break
            except IntegrityError:
                if attempt == CODE_ATTEMPTS - 1:
                    raise
    logger.info("household %s asked online (%s people)", household.pk, household.size)
    return AskCreated(ask=ask, token=token)


def ask_cancel(*, ask_id: int) -> Ask:
    """The person found a place themselves: off the waiting list, any hold given back.

    Refused (AlreadyCheckedIn) once checked in: then the shelter checks them out. Cancelling
    twice raises AskClosed and changes nothing.
    """
    with transaction.atomic():
        household_id = Ask.objects.values_list("household_id", flat=True).get(pk=ask_id)
        household = Household.objects.select_for_update().get(pk=household_id)
        ask = Ask.objects.get(pk=ask_id)  # read after the lock: a second tab may have come first
        if not ask.is_open or household.status == HouseholdStatus.LEFT:
            raise AskClosed()
        stay = Stay.objects.filter(household=household, checked_out_at__isnull=True).first()
        if stay is not None:
            raise AlreadyCheckedIn(space_name=str(stay.space))
        hold = Hold.objects.filter(household=household, status=HoldStatus.ACTIVE).first()
        if hold is not None:  # the household's lock is ours already: the same order inside
            household_services.hold_release(hold_id=hold.pk, by=None)
        now = timezone.now()
        household.status = HouseholdStatus.LEFT
        household.left_at = now
        household.save(update_fields=["status", "left_at"])
        ask.cancelled_at = ask.closed_at = now
        ask.save(update_fields=["cancelled_at", "closed_at"])
    logger.info("household %s cancelled its online request", household_id)
    return ask
