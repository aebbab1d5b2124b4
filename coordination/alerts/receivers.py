"""Coordination's listener to the shelter app's `occupancy_changed` signal (see ready())."""

import logging

from django.dispatch import receiver

from shelter.signals import occupancy_changed

from .tasks import evaluate_changes_soon

logger = logging.getLogger(__name__)


@receiver(occupancy_changed, dispatch_uid="coordination.alerts.evaluate")
def evaluate_alerts_after_change(sender, *, shelter_id: int, **kwargs) -> None:
    """Queue the alert rules for the shelter; never raise into the request that changed it."""
    try:
        evaluate_changes_soon(shelter_id)
    except Exception:
        # The change is committed and waits in the outbox for the periodic run: log, don't fail.
        logger.exception("alert evaluation for shelter %s failed", shelter_id)
