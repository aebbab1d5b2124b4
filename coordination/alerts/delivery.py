"""Deliveries of alerts: created with the alert, claimed, sent, retried, swept; the summary.

A delivery row per (alert, channel, recipient) is the record that it was sent: a delivered
row is never sent again, and a claim (a conditional UPDATE) lets one worker send it at a time.
"""

import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import channels, selectors
from .models import Alert, AlertDelivery, Channel, DeliveryStatus
from .recipients import MorningSummary

logger = logging.getLogger(__name__)


# A pending delivery is queued again this long past its due time (its task may be lost).
SWEEP_AFTER = timedelta(minutes=1)


def claim_lease() -> timedelta:
    """How long a claim holds: past the webhook and mail timeouts its worker is surely gone."""
    return timedelta(seconds=settings.ALERTS_CLAIM_LEASE_SECONDS)


def retry_delay(retries: int) -> float:
    """Exponential backoff: base, 2 x base, 4 x base ... capped."""
    return min(settings.ALERTS_RETRY_BASE_SECONDS * 2**retries, settings.ALERTS_RETRY_MAX_SECONDS)


def deliveries_create(alert: Alert) -> list[int]:
    """One pending delivery per subscribed address (in its user's language) and per webhook;
    returns their ids."""
    rows = [
        AlertDelivery(alert=alert, channel=Channel.EMAIL, recipient=email, language=language)
        for email, language in selectors.email_recipients(alert)
    ]
    rows += [
        AlertDelivery(
            alert=alert, channel=Channel.WEBHOOK, recipient=f"webhook:{pk}", webhook_id=pk
        )
        for pk in selectors.webhooks_for(alert)
    ]
    AlertDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return list(AlertDelivery.objects.filter(alert=alert).values_list("pk", flat=True))


def deliveries_enqueue(delivery_ids: list[int]) -> int:
    """Queue a delivery task per id; stop at the first broker error (the sweeper does the rest)."""
    from .tasks import deliver_alert  # tasks import this module

    for queued, delivery_id in enumerate(delivery_ids):
        try:
            deliver_alert.delay(delivery_id)
        except Exception as exc:  # kombu raises a variety of errors when Redis is unreachable
            # One line, no traceback: during an outage every alert says it, and it is expected.
            logger.warning(
                "could not queue delivery %s (%s); %s left pending for the sweeper",
                delivery_id,
                exc,
                len(delivery_ids) - queued,
            )
            _due_for_sweeper(delivery_ids[queued:])
            return queued
    return len(delivery_ids)


def _due_for_sweeper(delivery_ids: list[int]) -> None:
    """Never queued: the sweeper's next run takes them, not one a minute later."""
    AlertDelivery.objects.filter(pk__in=delivery_ids, status=DeliveryStatus.PENDING).update(
        next_attempt_at=timezone.now() - SWEEP_AFTER
    )


def delivery_claim(*, delivery_id: int, now: datetime | None = None) -> bool:
    """Take a delivery for sending: a pending one, or one claimed by a worker that died.

    One conditional UPDATE: of two workers given the same delivery, exactly one gets it.
    """
    now = now or timezone.now()
    return (
        AlertDelivery.objects.filter(
            Q(status=DeliveryStatus.PENDING)
            | Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - claim_lease()),
            pk=delivery_id,
        ).update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
        == 1
    )


def delivery_send(*, delivery_id: int) -> None:
    """Send a claimed delivery on its channel, then mark it delivered.

    Raises channels.TransientError (retry later) or channels.PermanentError (give up).
    """
    delivery = AlertDelivery.objects.select_related("alert__shelter", "webhook").get(pk=delivery_id)
    if delivery.channel == Channel.EMAIL:
        channels.send_alert_email(
            alert=delivery.alert, to=delivery.recipient, language=delivery.language
        )
    else:
        webhook = delivery.webhook
        if not webhook.is_active:
            raise channels.PermanentError("webhook switched off")
        channels.send_webhook(
            url=webhook.url,
            secret=webhook.secret,
            payload=channels.alert_payload(delivery.alert, delivery_id=delivery.pk),
            delivery_id=delivery.pk,
        )
    AlertDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.DELIVERED, delivered_at=timezone.now(), last_error=""
    )
    logger.info("delivery %s sent (%s)", delivery_id, delivery.channel)


def delivery_release(*, delivery_id: int, error: str, retry_in: float) -> None:
    """Give a failed attempt back: pending again, due after the backoff."""
    AlertDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.PENDING,
        claimed_at=None,
        last_error=error[:500],
        next_attempt_at=timezone.now() + timedelta(seconds=retry_in),
    )


def delivery_fail(*, delivery_id: int, error: str) -> None:
    AlertDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.FAILED, claimed_at=None, last_error=error[:500]
    )
    logger.warning("delivery %s failed for good: %s", delivery_id, error)


def deliveries_retry(*, delivery_ids) -> int:
    """Put failed deliveries back in the queue (the admin's action)."""
    ids = list(
        AlertDelivery.objects.filter(pk__in=delivery_ids, status=DeliveryStatus.FAILED).values_list(
            "pk", flat=True
        )
    )
    AlertDelivery.objects.filter(pk__in=ids).update(
        status=DeliveryStatus.PENDING, next_attempt_at=timezone.now()
    )
    return deliveries_enqueue(ids)


SWEEP_BATCH = 500


def deliveries_sweep(*, now: datetime | None = None, pending_for: timedelta = SWEEP_AFTER) -> int:
    """Queue again deliveries pending for over `pending_for` past their due time, and claims
    past their lease (a worker died). Returns how many were queued.

    A swept delivery is due again from now, so each is queued at most once per `pending_for`.
    """
    now = now or timezone.now()
    due = list(
        AlertDelivery.objects.filter(
            Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now - pending_for)
            | Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - claim_lease())
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    if not due:
        return 0
    AlertDelivery.objects.filter(pk__in=due, status=DeliveryStatus.PENDING).update(
        next_attempt_at=now
    )
    logger.info("sweeper queues %s deliveries again", len(due))
    return deliveries_enqueue(due)


def summary_send(*, day: date | None = None) -> int:
    """Email the morning summary to each coordinator subscribed by email, once a day, in the
    coordinator's language.

    At most once per address and day: the address is claimed (a unique row) before sending,
    and the claim is given back when the mail server fails, for the task's retry.
    """
    day = day or timezone.localdate()
    by_city: dict[str, selectors.CitySummary] = {}
    sent = 0
    for recipient in selectors.summary_recipients():
        email, cities = recipient.email, recipient.cities
        for city in cities:
            if city not in by_city:
                by_city[city] = selectors.city_summary(city, day)
        try:
            with transaction.atomic():
                claim = MorningSummary.objects.create(day=day, recipient=email)
        except IntegrityError:
            continue  # sent already today
        with translation.override(recipient.language or settings.LANGUAGE_CODE):
            body = render_to_string(
                "coordination/alert_summary_email.txt",
                {"day": day, "summaries": [by_city[c] for c in cities], "site": settings.SITE_URL},
            )
            subject = _("Shelters this morning, %(day)s") % {"day": day.isoformat()}
        try:
            channels.send_email(subject=subject, body=body, to=email)
        except channels.TransientError:
            MorningSummary.objects.filter(pk=claim.pk).delete()
            raise
        except channels.PermanentError:
            logger.warning("morning summary refused for one address")
            continue
        sent += 1
    return sent
