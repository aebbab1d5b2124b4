"""Celery tasks for alerts: thin wrappers that take ids and call a service.

Names are fixed (`coordination.alerts.*`) because the beat schedule in the database names them.
"""

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings

from shelter import coalesce
from shelter.models import Shelter

from . import channels, delivery, services

logger = logging.getLogger(__name__)


@shared_task(name="coordination.alerts.evaluate_shelter", acks_late=True, ignore_result=True)
def evaluate_shelter(shelter_id: int) -> int:
    """The rules for a shelter and its city as they are now. Idempotent: safe twice or late."""
    return len(services.alerts_evaluate_shelter(shelter_id=shelter_id))


@shared_task(
    name="coordination.alerts.evaluate_changes", bind=True, acks_late=True, ignore_result=True
)
def evaluate_changes(self, shelter_id: int | None = None) -> int:
    """Replay the recorded changes of one shelter (or all). Exactly once per change.

    The outbox rows are deleted in the transaction that evaluates them, so a copy of this
    task that runs twice, late, or after a worker was killed finds nothing or the rest.
    """
    if shelter_id is None:
        return len(services.alerts_evaluate_changes())
    coalesce.started(evaluate_changes.name, shelter_id)
    if self.request.is_eager:  # in-process, no worker (the demo): the city's rules right here
        return len(services.alerts_evaluate_changes(shelter_id=shelter_id))
    raised = services.alerts_evaluate_changes(shelter_id=shelter_id, city_rules=False)
    # The city's rule reads every shelter of the city: with many of them counting at once, one
    # run per city serves them all, as one run per shelter serves its changes.
    city = Shelter.objects.filter(pk=shelter_id).values_list("city", flat=True).first()
    if city is not None:
        evaluate_city_soon(city)
    return len(raised)


@shared_task(name="coordination.alerts.evaluate_city", acks_late=True, ignore_result=True)
def evaluate_city(city: str) -> int:
    """The city's rules as its figures are now. Idempotent: safe twice or late."""
    coalesce.started(evaluate_city.name, city)
    return len(services.alerts_evaluate_city(city=city))


@shared_task(name="coordination.alerts.evaluate_cities", acks_late=True, ignore_result=True)
def evaluate_cities() -> int:
    """Every city's rules as they are now (a run lost with a killed worker). Idempotent."""
    return len(services.alerts_evaluate_cities())


def evaluate_city_soon(city: str) -> None:
    """Queue the city's rules (one run waiting per city); if the broker is down, run them here."""
    try:
        coalesce.enqueue(evaluate_city, city)
        return
    except Exception:  # kombu raises a variety of errors when Redis is unreachable
        if evaluate_city.app.conf.task_always_eager:
            raise
        logger.warning("broker unreachable; evaluating the city rules of %s in-process", city)
    services.alerts_evaluate_city(city=city)


def evaluate_changes_soon(shelter_id: int) -> None:
    """Queue the replay of a shelter's changes (one waiting per shelter: it replays
    every change made before it starts); if the broker is down, replay them here.

    Nothing is lost either way: the changes wait in the outbox, and the periodic
    `evaluate_changes` run (and the next change) picks up what no task did.
    """
    try:
        coalesce.enqueue(evaluate_changes, shelter_id)
        return
    except Exception:  # kombu raises a variety of errors when Redis is unreachable
        if evaluate_changes.app.conf.task_always_eager:
            raise  # in-process already: a real error, not a broker outage
        logger.warning("broker unreachable; evaluating alerts of shelter %s in-process", shelter_id)
    services.alerts_evaluate_changes(shelter_id=shelter_id)


@shared_task(
    name="coordination.alerts.deliver",
    bind=True,
    acks_late=True,
    ignore_result=True,
    max_retries=settings.ALERTS_DELIVERY_MAX_RETRIES,
)
def deliver_alert(self, delivery_id: int) -> str:
    """At least once to the channel, exactly once recorded: a delivered row is never sent again.

    Claim, send, mark delivered. Two copies of this task send once (the claim); a worker that
    dies between sending and marking leaves a claim the sweeper hands out after its lease, so
    the receiver may then see the same delivery id twice (webhooks get it in a header).
    """
    if not delivery.delivery_claim(delivery_id=delivery_id):
        return "skipped"  # delivered already, or another worker holds it
    try:
        delivery.delivery_send(delivery_id=delivery_id)
    except channels.PermanentError as exc:
        delivery.delivery_fail(delivery_id=delivery_id, error=str(exc))
        return "failed"
    except channels.TransientError as exc:
        if self.request.retries >= self.max_retries:
            delivery.delivery_fail(delivery_id=delivery_id, error=f"retries spent: {exc}")
            return "failed"
        countdown = delivery.retry_delay(self.request.retries)
        delivery.delivery_release(delivery_id=delivery_id, error=str(exc), retry_in=countdown)
        if self.request.is_eager:
            return "pending"  # in-process (no broker): the sweeper tries again, not this request
        raise self.retry(exc=exc, countdown=countdown) from exc
    return "delivered"


@shared_task(name="coordination.alerts.sweep_deliveries", acks_late=True, ignore_result=True)
def sweep_deliveries() -> int:
    """Queue deliveries pending for over a minute. Idempotent: a second run finds them due later."""
    return delivery.deliveries_sweep()


@shared_task(name="coordination.alerts.check_all", acks_late=True, ignore_result=True)
def check_all() -> int:
    """Every rule for every shelter and city. Idempotent: the same figures raise nothing new."""
    return services.alerts_check_all()


@shared_task(name="coordination.alerts.check_stale_data", acks_late=True, ignore_result=True)
def check_stale_data() -> int:
    """Shelters nobody has counted for a while. Idempotent."""
    return services.alerts_check_stale()


@shared_task(name="coordination.alerts.check_meals", acks_late=True, ignore_result=True)
def check_meals() -> int:
    """Today's portions against the people staying, per city. Idempotent."""
    return services.alerts_check_meals()


@shared_task(name="coordination.alerts.reconcile", acks_late=True, ignore_result=True)
def reconcile() -> int:
    """Counters against the rows they count; a data-drift alert per drifting check.

    Idempotent: a second run on the same data raises and clears nothing. Returns the
    drifting rows found.
    """
    return sum(services.alerts_reconcile().values())


@shared_task(
    name="coordination.alerts.morning_summary",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(channels.TransientError,),
    retry_backoff=30,
    max_retries=5,
)
def morning_summary() -> int:
    """The daily summary mail. At most once per address and day (claimed before sending)."""
    return delivery.summary_send()


@worker_ready.connect
def catch_up_on_start(sender, **kwargs) -> None:
    """A worker that (re)starts first replays waiting changes, evaluates every city (a city's
    run is not in the outbox: a killed worker may have taken it along) and sweeps deliveries."""
    try:
        evaluate_changes.delay()
        evaluate_cities.delay()
        sweep_deliveries.delay()
    except Exception:  # the broker went away again: beat's runs will do it
        logger.warning("could not queue the catch-up after the worker started", exc_info=True)
