"""Offers from residents: submit, check, decide; the host's link; the host's actions; purge.

Lock order, as everywhere in coordination: Household rows first (the host's arrivals go
through the stay services), then Shelter rows (through shelter.services), then the
HostOffer row, then its HostLink rows. A service that needs both a shelter and its offer
locks the shelter first (shelter_set_status locks it again: a no-op in one transaction).
placement_check reads the offer under the shelter lock that hold_create and stay_check_in
hold, so a place is never given to a household it may not take.
Logs name offers by code and households by id: never a name, phone or address.
"""

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from shelter import services as shelter_services
from shelter.models import AuditAction, OccupancyReason, Shelter, ShelterStatus, Space
from shelter.validators import validate_phone

from .. import public
from ..models import Hold, HoldStatus, Stay
from . import selectors
from .errors import (
    HostLinkInvalid,
    HostPlacesRefused,
    NotYourGuest,
    OfferDecided,
    OfferNotReady,
    PlaceNotChecked,
)
from .models import (
    CODE_LENGTH,
    MAX_OFFER_PLACES,
    OFFER_PERSONAL_FIELDS,
    FollowUpCall,
    FollowUpOutcome,
    HostLink,
    HostLinkAction,
    HostLinkUse,
    HostOffer,
    OfferKind,
    OfferStatus,
)
from .selectors import needs_checked_place

logger = logging.getLogger(__name__)

User = AbstractBaseUser
CODE_ALPHABET = "ACDEFHJKLMNPRTUVWXY34679"  # no 0/O, 1/I, 2/Z, 5/S, 8/B: read out on the phone
SUBMIT_ATTEMPTS = 3


# --- Offering (public) ----------------------------------------------------------------------


def phone_key(contact: str) -> str:
    """The contact as it is compared: a phone's digits (8 701... and +7 701... alike), or a
    messenger name in lower case without @ and spaces."""
    digits = re.sub(r"\D", "", contact)
    if len(digits) >= 5:
        if len(digits) == 11 and digits.startswith("8"):  # Kazakhstan's trunk prefix
            digits = "7" + digits[1:]
        return digits
    return re.sub(r"[\s@]", "", contact).casefold()[:40]


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass(frozen=True)
class Submitted:
    offer: HostOffer
    updated: bool  # the same phone's new offer was updated, not a new one made


def offer_submit(*, data: dict) -> Submitted:
    """Record a resident's offer from the public form (`data`: the form's cleaned fields).

    One new offer per phone (the partial unique constraint): the same phone sending again
    while its offer waits replaces its answers and marks it "sent again"; two forms sent at
    once end the same way (the loser of the insert retries as an update). A phone whose
    earlier offer was decided gets a new offer, flagged with the earlier one.
    """
    key = phone_key(data["contact"])
    for attempt in range(SUBMIT_ATTEMPTS):
        try:
            with transaction.atomic():
                existing = (
                    HostOffer.objects.select_for_update()
                    .filter(phone_key=key, status=OfferStatus.NEW)
                    .first()
                )
                if existing is not None:
                    for name, value in data.items():
                        setattr(existing, name, value)
                    existing.resubmitted_at = timezone.now()
                    existing.save()
                    result = Submitted(offer=existing, updated=True)
                else:
                    earlier = (
                        HostOffer.objects.filter(phone_key=key)
                        .exclude(status=OfferStatus.NEW)
                        .order_by("-created_at", "-pk")
                        .first()
                    )
                    offer = HostOffer.objects.create(
                        **data, phone_key=key, code=_new_code(), same_phone_as=earlier
                    )
                    result = Submitted(offer=offer, updated=False)
                public.invalidate_on_commit()  # "N places offered by residents"
        except IntegrityError:
            # The same phone's other form, or (rarely) the same code, came first: again.
            if attempt == SUBMIT_ATTEMPTS - 1:
                raise
            continue
        logger.info(
            "offer %s %s (%s places)",
            result.offer.code,
            "sent again" if result.updated else "received",
            result.offer.places,
        )
        return result
    raise AssertionError("unreachable")


# --- Checks and decisions (coordinators) -----------------------------------------------------

STEPS = {
    "called": ("called_at", "called_by"),
    "address": ("address_confirmed_at", "address_confirmed_by"),
    "visited": ("visited_at", "visited_by"),
}


def _lock_offer(offer_id: int) -> HostOffer:
    """Lock the offer's shelter (if it has one), then the offer: the module's lock order."""
    shelter_id = HostOffer.objects.values_list("shelter_id", flat=True).get(pk=offer_id)
    if shelter_id is not None:
        shelter_services.shelters_lock([shelter_id])
    return (
        HostOffer.objects.select_for_update(of=("self",)).select_related("shelter").get(pk=offer_id)
    )


def _audit(offer: HostOffer, *, by: User | None, what: str, action=AuditAction.OFFER, **details):
    shelter_services.audit_record(
        action=action,
        by=by,
        shelter_id=offer.shelter_id,
        what=f"Offer {offer.code}: {what}",
        details={"offer_id": offer.pk, **details},
    )


def offer_step(*, offer_id: int, step: str, by: User) -> bool:
    """Record a check step (who, when): called back, address confirmed, visited; audited.

    A step recorded already is left as it was (False): the first who did it stays recorded.
    Refused with OfferDecided for a rejected or withdrawn offer.
    """
    at_field, by_field = STEPS[step]
    with transaction.atomic():
        offer = _lock_offer(offer_id)
        if offer.status in (OfferStatus.REJECTED, OfferStatus.WITHDRAWN):
            raise OfferDecided(status_label=offer.get_status_display())
        if getattr(offer, at_field) is not None:
            return False
        setattr(offer, at_field, timezone.now())
        setattr(offer, by_field, by)
        offer.save(update_fields=[at_field, by_field])
        _audit(offer, by=by, what=step, step=step)
        public.invalidate_on_commit()
    logger.info("offer %s: %s, by user %s", offer.code, step, by.pk)
    return True


def _shelter_kind(kind: str) -> Shelter.Kind:
    return (
        Shelter.Kind.APARTMENT
        if kind in (OfferKind.ROOM, OfferKind.FLAT)
        else (Shelter.Kind.PRIVATE_HOME)
    )


def offer_approve(*, offer_id: int, by: User, today=None) -> HostOffer:
    """Turn a checked offer into a place: a shelter (flat or private home) with one space of
    the offered places, the offer's rules, open from the offered day; audited.

    The shelter's name and district are public, its address is the host's (hidden on every
    public page, coordination/public.py). Raises OfferNotReady (not called back or address not
    confirmed) or OfferDecided.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        offer = _lock_offer(offer_id)
        if offer.status != OfferStatus.NEW:
            raise OfferDecided(status_label=offer.get_status_display())
        if not offer.checked:
            raise OfferNotReady()
        kind = _shelter_kind(offer.kind)
        with translation.override(settings.LANGUAGE_CODE):  # a name for everyone
            label = str(OfferKind(offer.kind).label)
        shelter = Shelter.objects.create(
            name=f"{label}, {offer.district}"[:120],
            kind=kind,
            address=offer.address,
            city=offer.city,
            district=offer.district,
            phone=_valid_phone(offer.contact),
            accepts_families=offer.accepts_families,
            women_children_only=offer.women_children_only,
            men_only=offer.men_only,
            pets_allowed=offer.pets_allowed,
            wheelchair_accessible=offer.wheelchair_accessible,
            status=ShelterStatus.STANDBY,
        )
        shelter_services.space_save(
            space=Space(shelter=shelter, name=label[:80], places=offer.places), fields=[], by=by
        )
        offer.shelter = shelter
        offer.status = OfferStatus.APPROVED
        offer.decided_at, offer.decided_by = timezone.now(), by
        offer.save(update_fields=["shelter", "status", "decided_at", "decided_by"])
        _audit(offer, by=by, what="approved", shelter=shelter.pk)
        if offer.available_from <= today:
            _open(offer, by=by)
        public.invalidate_on_commit()
    logger.info("offer %s approved as shelter %s by user %s", offer.code, shelter.pk, by.pk)
    return offer


def _valid_phone(contact: str) -> str:
    try:
        validate_phone(contact)
    except Exception:  # a messenger name: the coordinators have it on the offer
        return ""
    return contact[:32]


def _open(offer: HostOffer, *, by: User | None) -> None:
    offer.shelter = shelter_services.shelter_set_status(
        shelter_id=offer.shelter_id, status=ShelterStatus.OPEN, by=by
    )
    offer.opened_at = timezone.now()
    offer.save(update_fields=["opened_at"])


def offer_reject(*, offer_id: int, reason: str, by: User) -> HostOffer:
    """Say no to a new offer, with a reason for the coordinators; audited."""
    with transaction.atomic():
        offer = _lock_offer(offer_id)
        if offer.status != OfferStatus.NEW:
            raise OfferDecided(status_label=offer.get_status_display())
        offer.status = OfferStatus.REJECTED
        offer.reject_reason = reason
        offer.decided_at = offer.ended_at = timezone.now()
        offer.decided_by = by
        offer.save(
            update_fields=["status", "reject_reason", "decided_at", "decided_by", "ended_at"]
        )
        _audit(offer, by=by, what="rejected")
        public.invalidate_on_commit()
    logger.info("offer %s rejected by user %s", offer.code, by.pk)
    return offer


def _revoke_links(offer: HostOffer, *, by: User | None) -> int:
    return HostLink.objects.filter(offer=offer, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )


def host_suspend(*, offer_id: int, by: User) -> HostOffer:
    """Stop a host's place taking anyone, at once: the shelter goes on standby (nobody new is
    offered it or held there), its link stops working; households on their way there are
    listed on the dashboard for a coordinator to call (selectors.holds_to_suspended)."""
    with transaction.atomic():
        offer = _lock_offer(offer_id)
        if offer.status != OfferStatus.APPROVED:
            raise OfferDecided(status_label=offer.get_status_display())
        shelter_services.shelter_set_status(
            shelter_id=offer.shelter_id, status=ShelterStatus.STANDBY, by=by
        )
        offer.status = OfferStatus.SUSPENDED
        offer.save(update_fields=["status"])
        links = _revoke_links(offer, by=by)
        _audit(offer, by=by, what="host suspended", links_revoked=links)
        public.invalidate_on_commit()
    logger.warning("offer %s: host suspended by user %s", offer.code, by.pk)
    return offer


def host_reinstate(*, offer_id: int, by: User) -> HostOffer:
    """Take a suspension back: the place opens again (a new link must be issued)."""
    with transaction.atomic():
        offer = _lock_offer(offer_id)
        if offer.status != OfferStatus.SUSPENDED:
            raise OfferDecided(status_label=offer.get_status_display())
        offer.status = OfferStatus.APPROVED
        offer.save(update_fields=["status"])
        _open(offer, by=by)
        _audit(offer, by=by, what="host reinstated")
    logger.info("offer %s: host reinstated by user %s", offer.code, by.pk)
    return offer


def offer_withdraw(*, offer_id: int, by: User | None) -> HostOffer:
    """The resident takes the offer back (on the phone to a coordinator, or on their link):
    a place stops taking people and closes; raises ShelterOccupied while guests are there or
    expected. The purge counts its retention from now."""
    with transaction.atomic():
        offer = _lock_offer(offer_id)
        if offer.status in (OfferStatus.REJECTED, OfferStatus.WITHDRAWN):
            raise OfferDecided(status_label=offer.get_status_display())
        if offer.shelter_id is not None:
            shelter_services.shelter_set_status(
                shelter_id=offer.shelter_id, status=ShelterStatus.CLOSED, by=by
            )
        offer.status = OfferStatus.WITHDRAWN
        offer.ended_at = timezone.now()
        offer.save(update_fields=["status", "ended_at"])
        _revoke_links(offer, by=by)
        _audit(offer, by=by, what="withdrawn")
        public.invalidate_on_commit()
    logger.info("offer %s withdrawn", offer.code)
    return offer


def offers_open_due(*, today=None) -> int:
    """Open approved places whose first day has come (daily); put on standby those whose last
    day has passed. Idempotent: an opened place is not opened again (a host's pause stays)."""
    today = today or timezone.localdate()
    changed = 0
    due = HostOffer.objects.filter(
        status=OfferStatus.APPROVED, opened_at__isnull=True, available_from__lte=today
    ).values_list("pk", flat=True)
    for offer_id in list(due):
        with transaction.atomic():
            offer = _lock_offer(offer_id)
            if offer.status == OfferStatus.APPROVED and offer.opened_at is None:
                _open(offer, by=None)
                changed += 1
    ended = HostOffer.objects.filter(
        status=OfferStatus.APPROVED,
        available_until__lt=today,
        shelter__status__in=[ShelterStatus.OPEN, ShelterStatus.FULL],
    ).values_list("shelter_id", flat=True)
    for shelter_id in list(ended):
        shelter_services.shelter_set_status(
            shelter_id=shelter_id, status=ShelterStatus.STANDBY, by=None
        )
        changed += 1
    return changed


# --- Where places are chosen: unvisited homes -------------------------------------------------


def placement_check(*, household, shelter_id: int) -> None:
    """Raise PlaceNotChecked when `household` may not go to this shelter: a resident's home
    not visited yet. Called by hold_create, stay_check_in and stay_move under the shelter's
    lock (offer steps and suspension lock it too), so the answer holds until they commit."""
    if not needs_checked_place(household):
        return
    offer = (
        HostOffer.objects.filter(shelter_id=shelter_id, visited_at__isnull=True)
        .select_related("shelter")
        .first()
    )
    if offer is not None:
        logger.info(
            "household %s refused at unvisited place %s (offer %s)",
            household.pk,
            shelter_id,
            offer.code,
        )
        raise PlaceNotChecked(shelter_name=offer.shelter.name)


# --- The host's link ------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def host_link_issue(*, offer_id: int, by: User) -> str:
    """A new link for an approved host; the one in use (if any) stops working. Returns the
    token, which is shown once to the coordinator and kept nowhere but as its hash."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        offer = _lock_offer(offer_id)
        if offer.status != OfferStatus.APPROVED:
            raise OfferDecided(status_label=offer.get_status_display())
        replaced = _revoke_links(offer, by=by)
        HostLink.objects.create(offer=offer, token_hash=token_hash(token), created_by=by)
        _audit(offer, by=by, what="link issued", action=AuditAction.HOST_LINK, replaced=replaced)
    logger.info("offer %s: host link issued by user %s", offer.code, by.pk)
    return token


def host_link_revoke(*, offer_id: int, by: User) -> bool:
    """Switch the host's link off; False when none was in use."""
    with transaction.atomic():
        offer = _lock_offer(offer_id)
        revoked = _revoke_links(offer, by=by)
        if revoked:
            _audit(offer, by=by, what="link revoked", action=AuditAction.HOST_LINK)
    return bool(revoked)


def _log_use(link: HostLink, action: HostLinkAction, **details) -> None:
    HostLinkUse.objects.create(link=link, action=action, details=details)


def host_link_check(token: str, *, now: datetime | None = None) -> HostLink:
    """The host link of `token`, its use recorded; HostLinkInvalid when unknown, revoked,
    or unused for HOST_LINK_IDLE_DAYS (also recorded, on the link, when there is one).

    Nothing is put in a session or a cookie: the link is the only key, every time.
    """
    now = now or timezone.now()
    link = (
        HostLink.objects.select_related("offer__shelter")
        .filter(token_hash=token_hash(token))
        .first()
        if token
        else None
    )
    if link is None:
        raise HostLinkInvalid(HostLinkInvalid.UNKNOWN)
    reason = None
    if link.revoked_at is not None or link.offer.status != OfferStatus.APPROVED:
        reason = HostLinkInvalid.REVOKED
    elif (link.last_used_at or link.created_at) < now - timedelta(
        days=settings.HOST_LINK_IDLE_DAYS
    ):
        reason = HostLinkInvalid.EXPIRED
    if reason:
        _log_use(link, HostLinkAction.REFUSED, reason=reason)
        raise HostLinkInvalid(reason)
    HostLink.objects.filter(pk=link.pk).update(last_used_at=now)
    return link


def host_link_opened(link: HostLink) -> None:
    _log_use(link, HostLinkAction.OPEN)


def _host_space_id(link: HostLink) -> int:
    return Space.objects.filter(shelter_id=link.offer.shelter_id).values_list("pk", flat=True)[0]


def host_free_change(*, link: HostLink, step: int) -> Space:
    """One place more or fewer free tonight (the host's -/+): the space's places change by
    `step` through the occupancy service, so guests held or checked in are never undercut
    (PlacesBelowTaken) and two taps at once both count."""
    space_id = _host_space_id(link)
    if step > 0 and Space.objects.get(pk=space_id).places + step > MAX_OFFER_PLACES:
        raise HostPlacesRefused(limit=MAX_OFFER_PLACES)
    shelter_services.occupancy_change(
        space_id=space_id, delta=0, places_delta=step, reason=OccupancyReason.COUNT, by=None
    )
    _log_use(link, HostLinkAction.FREE, step=step)
    return Space.objects.get(pk=space_id)


def host_pause(*, link: HostLink, pause: bool) -> Shelter:
    """The host pauses (standby: nobody new is sent; those on their way still come) or takes
    guests again."""
    shelter = shelter_services.shelter_set_status(
        shelter_id=link.offer.shelter_id,
        status=ShelterStatus.STANDBY if pause else ShelterStatus.OPEN,
        by=None,
    )
    _log_use(link, HostLinkAction.PAUSE if pause else HostLinkAction.RESUME)
    return shelter


def host_stop(*, link: HostLink) -> HostOffer:
    """The host stops hosting: the offer is withdrawn, the place closed, the link switched off.
    Raises ShelterOccupied while guests are there or on their way."""
    _log_use(link, HostLinkAction.STOP)
    return offer_withdraw(offer_id=link.offer_id, by=None)


def host_arrival(*, link: HostLink, hold_id: int) -> Stay:
    """The host confirms a family on its way arrived: checked in through the stay service."""
    from ..households import services as stay_services  # which imports this module

    hold = Hold.objects.select_related("space").filter(pk=hold_id).first()
    if hold is None or hold.space.shelter_id != link.offer.shelter_id:
        raise NotYourGuest()
    if hold.status != HoldStatus.ACTIVE:
        raise NotYourGuest()
    stay = stay_services.stay_check_in(
        household_id=hold.household_id, space_id=hold.space_id, by=None
    )
    _log_use(link, HostLinkAction.ARRIVED, household=hold.household_id)
    return stay


def host_departure(*, link: HostLink, stay_id: int) -> Stay:
    """The host confirms a family left: checked out through the stay service."""
    from ..households import services as stay_services

    stay = Stay.objects.select_related("space").filter(pk=stay_id).first()
    if stay is None or stay.space.shelter_id != link.offer.shelter_id or not stay.is_open:
        raise NotYourGuest()
    stay = stay_services.stay_check_out(stay_id=stay.pk, by=None)
    _log_use(link, HostLinkAction.LEFT, household=stay.household_id)
    return stay


# --- Follow-up calls ------------------------------------------------------------------------


def follow_up_record(*, stay_id: int, outcome: FollowUpOutcome, by: User) -> bool:
    """The family of a stay in a private home was called; False when recorded already."""
    try:
        with transaction.atomic():
            FollowUpCall.objects.create(stay_id=stay_id, outcome=outcome, called_by=by)
    except IntegrityError:
        return False  # another coordinator recorded it first (one per stay)
    logger.info("follow-up of stay %s recorded (%s) by user %s", stay_id, outcome, by.pk)
    return True


# --- Purge ----------------------------------------------------------------------------------


def offers_purge_personal_data(*, older_than_days: int, now: datetime | None = None) -> int:
    """Blank hosts' personal data (OFFER_PERSONAL_FIELDS, their place's address, phone and
    coordinates) once the offer ended, or its last stay did, `older_than_days` ago; keep
    places, rules and district for statistics. A forgotten new offer is withdrawn. Each offer
    under its locks and checked again under them; idempotent. Returns how many."""
    now = now or timezone.now()
    since = now - timedelta(days=older_than_days)
    purged = 0
    for offer_id in list(
        selectors.offers_to_purge(inactive_since=since).values_list("pk", flat=True)
    ):
        with transaction.atomic():
            offer = _lock_offer(offer_id)
            if not selectors.offers_to_purge(inactive_since=since).filter(pk=offer_id).exists():
                continue  # a stay or hold came meanwhile
            for name in OFFER_PERSONAL_FIELDS:
                setattr(offer, name, "")
            if offer.status == OfferStatus.NEW:
                offer.status = OfferStatus.WITHDRAWN
                offer.ended_at = now
            offer.anonymised_at = now
            offer.save()
            _revoke_links(offer, by=None)
            if offer.shelter_id is not None:
                Shelter.objects.filter(pk=offer.shelter_id).update(
                    address="", phone="", host="", latitude=None, longitude=None
                )
        purged += 1
    logger.info("personal data removed from %s offers from residents", purged)
    return purged


# --- The unchecked-offers alert -------------------------------------------------------------


def offers_alert_check(*, now: datetime | None = None) -> bool:
    """Raise "offers waiting" when new offers have waited longer than the rule's hours for a
    check; clear it when none has. Returns whether an alert was raised now. Idempotent: the
    rule's row is locked and the open alert's key is unique."""
    from django.db.models.functions import Now

    from ..alerts.models import Alert, AlertKind, AlertRule, default_rule
    from ..alerts.services import alert_raise

    now = now or timezone.now()
    key = AlertKind.OFFERS_WAITING.value
    with transaction.atomic():
        rule = AlertRule.objects.select_for_update().filter(
            kind=AlertKind.OFFERS_WAITING
        ).first() or default_rule(AlertKind.OFFERS_WAITING)
        hours = rule.threshold or default_rule(AlertKind.OFFERS_WAITING).threshold
        # coord_offer_new_idx: new offers by age
        waiting = HostOffer.objects.filter(
            status=OfferStatus.NEW, created_at__lt=now - timedelta(hours=hours)
        ).count()
        active = Alert.objects.active().filter(key=key).exists()
        if not waiting:
            if active:
                Alert.objects.active().filter(key=key).update(cleared_at=Now())
            return False
        if active or not rule.enabled:
            return False
        alert = alert_raise(
            kind=AlertKind.OFFERS_WAITING,
            level=rule.level,
            params={
                "count": waiting,
                "hours": hours,
                "as_of": now.replace(microsecond=0).isoformat(),
            },
            city="",
            key=key,
        )
    return alert is not None
