"""The outbox of occupancy changes: what listeners in other apps still have to act on."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .shelters import Shelter


class OccupancyOutbox(models.Model):
    """One row per committed change of a shelter's places, taken or status, with its figures.

    Written in the change's own transaction (`shelter.services.locks.announce`), so it exists
    exactly when the change does: a lost broker message, a worker killed mid-task or a
    restart cannot lose it. Its one consumer (coordination's alert rules) replays the rows of
    a shelter oldest first under that shelter's lock and deletes them in the same
    transaction, so each change is evaluated once, with the figures it left behind.
    """

    shelter = models.ForeignKey(Shelter, on_delete=models.CASCADE, related_name="+")
    places = models.PositiveIntegerField()
    taken = models.PositiveIntegerField(help_text=_("Occupied, held and blocked places"))
    takes_people = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("occupancy change to evaluate")
        verbose_name_plural = _("occupancy changes to evaluate")

    def __str__(self) -> str:
        return f"shelter {self.shelter_id}: {self.taken}/{self.places}"
