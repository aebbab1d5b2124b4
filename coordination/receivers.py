"""Keep the public snapshot fresh after changes (connected in CoordinationConfig.ready)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from shelter.models import Shelter, Space
from shelter.signals import occupancy_changed

from . import public


@receiver(occupancy_changed, dispatch_uid="coordination.public_after_count")
def public_after_count(sender, **kwargs) -> None:
    public.invalidate()  # the signal is sent after commit already


@receiver(post_save, sender=Shelter, dispatch_uid="coordination.public_after_shelter_save")
@receiver(post_delete, sender=Shelter, dispatch_uid="coordination.public_after_shelter_delete")
@receiver(post_save, sender=Space, dispatch_uid="coordination.public_after_space_save")
@receiver(post_delete, sender=Space, dispatch_uid="coordination.public_after_space_delete")
def public_after_edit(sender, **kwargs) -> None:
    public.invalidate_on_commit()
