"""The shelter app's own listeners to `occupancy_changed` (connected in ShelterConfig.ready)."""

from django.dispatch import receiver

from .signals import occupancy_changed
from .tasks import refresh_shelter_status_soon


@receiver(occupancy_changed, dispatch_uid="shelter.refresh_status")
def refresh_status_after_change(sender, *, shelter_id: int, **kwargs) -> None:
    refresh_shelter_status_soon(shelter_id)
