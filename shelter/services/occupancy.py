"""Counts of people and held places: the single door to a space's occupancy."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import F, IntegerField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Now
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual

from ..errors import (
    AlreadySubmitted,
    OccupancyBelowZero,
    PlacesBelowTaken,
    SpaceFull,
)
from ..models import MAX_PLACES, OccupancyEvent, OccupancyReason, Space
from .locks import announce, lock_shelter, lock_shelter_of, refuse_if_closed


def _refusal(space: Space, *, delta: int, places_delta: int) -> Exception:
    """Explain why a conditional count update changed no row, from the space as it is now."""
    if delta < 0 and space.occupied + delta < 0:
        return OccupancyBelowZero(space_id=space.pk, space_name=space.name, occupied=space.occupied)
    if places_delta < 0 or space.places + places_delta > MAX_PLACES:
        return PlacesBelowTaken(space_id=space.pk, space_name=space.name, taken=space.taken)
    return SpaceFull(space_id=space.pk, space_name=space.name, free=max(space.free, 0))


def occupancy_change(
    *,
    space_id: int,
    delta: int,
    reason: OccupancyReason,
    by: AbstractBaseUser | None,
    places_delta: int = 0,
    submission: uuid.UUID | None = None,
    expected: bool = False,
) -> OccupancyEvent:
    """Add `delta` people (and `places_delta` places) to a space and record the event.

    The single door to a space's occupancy. Applied as one conditional UPDATE, so two
    volunteers saving at once both count and neither can pass the places. Raises SpaceFull,
    OccupancyBelowZero, PlacesBelowTaken, ShelterClosed (adding people to a shelter that takes
    nobody) or AlreadySubmitted (this submission was applied before; nothing changes).
    `expected`: the people arrive on places held for them, which a shelter on standby still
    receives (it stopped taking new people, not those it promised a bed).
    """
    with transaction.atomic():
        shelter_id = lock_shelter_of(space_id, adding=delta > 0, expected=expected)
        changed = (
            Space.objects.filter(pk=space_id, occupied__gte=-delta)
            .filter(places__lte=MAX_PLACES - places_delta)
            .filter(places__gte=F("occupied") + F("blocked") + F("held") + delta - places_delta)
            .update(
                occupied=F("occupied") + delta,
                places=F("places") + places_delta,
                counted_at=Now(),
                counted_by=by,
            )
        )
        space = Space.objects.get(pk=space_id)
        if changed != 1:
            raise _refusal(space, delta=delta, places_delta=places_delta)
        try:
            with transaction.atomic():
                event = OccupancyEvent.objects.create(
                    space=space,
                    shelter_id=shelter_id,
                    before=space.occupied - delta,
                    after=space.occupied,
                    places_before=space.places - places_delta,
                    places=space.places,
                    reason=reason,
                    by=by,
                    submission=submission,
                )
        except IntegrityError as exc:
            # A retried form post: the whole transaction, update included, is rolled back.
            raise AlreadySubmitted() from exc
        announce(shelter_id, [space_id])
    return event


def held_change(*, space_id: int, delta: int) -> Space:
    """Promise `delta` places of a space to a household on its way (negative: give them back).

    Held places count as taken everywhere. Not a count, so no history row and no "counted at".
    Raises SpaceFull or ShelterClosed like occupancy_change.
    """
    with transaction.atomic():
        shelter_id = lock_shelter_of(space_id, adding=delta > 0)
        changed = (
            Space.objects.filter(pk=space_id, held__gte=-delta)
            .filter(places__gte=F("occupied") + F("blocked") + F("held") + delta)
            .update(held=F("held") + delta)
        )
        space = Space.objects.get(pk=space_id)
        if changed != 1:
            raise SpaceFull(space_id=space.pk, space_name=space.name, free=max(space.free, 0))
        announce(shelter_id, [space_id])
    return space


@dataclass(frozen=True)
class SpaceCount:
    """One row of the bed-count form: what the volunteer saw and what they entered."""

    space_id: int
    seen_places: int
    seen_occupied: int
    places: int
    occupied: int


def shelter_count(
    *,
    shelter_id: int,
    counts: Sequence[SpaceCount],
    by: AbstractBaseUser | None,
    submission: uuid.UUID | None = None,
) -> list[OccupancyEvent]:
    """Save a volunteer's count of several spaces: all rows or none, in a fixed number of
    queries whatever the number of rows.

    Each row is applied as the difference from what the volunteer saw, so a change another
    volunteer saved meanwhile is added to, not overwritten. Every row is recorded, unchanged
    ones too: a count confirms the figures are fresh. One UPDATE changes every row, each only
    if it still fits (the same conditions as occupancy_change, row by row): fewer rows changed
    than sent means one did not fit, and the whole count is rolled back. Raises what
    occupancy_change raises, for the first row (in the order given) that was refused, and
    Space.DoesNotExist for a space of another shelter.
    """
    if not counts:
        return []
    deltas = {c.space_id: c.occupied - c.seen_occupied for c in counts}
    places_deltas = {c.space_id: c.places - c.seen_places for c in counts}
    if len(deltas) != len(counts):
        raise ValueError("each space is counted once")
    with transaction.atomic():
        shelter = lock_shelter(shelter_id)
        refuse_if_closed(shelter, adding=any(d > 0 for d in deltas.values()))
        # A retried form post: its rows were all saved together, so one row tells (through
        # the unique index on space and submission); under the lock, what we see is committed.
        if (
            submission is not None
            and OccupancyEvent.objects.filter(
                space_id=counts[0].space_id, submission=submission
            ).exists()
        ):
            raise AlreadySubmitted()
        changed = (
            # Each row's own numbers, as two CASE expressions built once (aliases d and pd).
            Space.objects.filter(shelter_id=shelter_id, pk__in=deltas)
            .alias(d=_per_space(deltas), pd=_per_space(places_deltas))
            .filter(GreaterThanOrEqual(F("occupied") + F("d"), 0))
            .filter(LessThanOrEqual(F("places") + F("pd"), MAX_PLACES))
            .filter(
                GreaterThanOrEqual(
                    F("places") + F("pd"), F("occupied") + F("blocked") + F("held") + F("d")
                )
            )
            .update(
                occupied=F("occupied") + F("d"),
                places=F("places") + F("pd"),
                counted_at=Now(),
                counted_by=by,
            )
        )
        spaces = Space.objects.in_bulk(list(deltas))
        if changed != len(counts):
            raise _first_refusal(shelter_id, counts, spaces, deltas, places_deltas)
        events = [
            OccupancyEvent(
                space=spaces[c.space_id],
                shelter_id=shelter_id,
                before=spaces[c.space_id].occupied - deltas[c.space_id],
                after=spaces[c.space_id].occupied,
                places_before=spaces[c.space_id].places - places_deltas[c.space_id],
                places=spaces[c.space_id].places,
                reason=OccupancyReason.COUNT,
                by=by,
                submission=submission,
            )
            for c in counts
        ]
        try:
            with transaction.atomic():
                OccupancyEvent.objects.bulk_create(events)
        except IntegrityError as exc:
            # The unique (space, submission) constraint is the last word on a retried post.
            raise AlreadySubmitted() from exc
        announce(shelter_id, list(deltas))
    return events


def _per_space(values: dict[int, int]) -> RawSQL:
    """An SQL expression giving each space its own number (0 for any other).

    `CASE id WHEN <space> THEN <number> ... ELSE 0 END`, written directly: the count's UPDATE
    uses each of its two expressions four times (three conditions and the new value), and
    Django's Case and When, compiled every time, were a quarter of a bed-count save's time.
    Only integers go in, as parameters.
    """
    column = f"{connection.ops.quote_name(Space._meta.db_table)}.{connection.ops.quote_name('id')}"
    whens = " ".join("WHEN %s THEN %s" for _ in values)
    params = [number for pair in values.items() for number in pair]
    return RawSQL(  # noqa: S611  (the column from the model's metadata, every value a parameter)
        f"CASE {column} {whens} ELSE 0 END", params, output_field=IntegerField()
    )


def _first_refusal(shelter_id, counts, spaces, deltas, places_deltas) -> Exception:
    """Why the count's UPDATE changed fewer rows than it was given: the first row refused."""
    for c in counts:
        space = spaces.get(c.space_id)
        if space is None or space.shelter_id != shelter_id:
            return Space.DoesNotExist(c.space_id)
        delta, places_delta = deltas[c.space_id], places_deltas[c.space_id]
        fits = (
            space.occupied + delta >= 0
            and space.places + places_delta <= MAX_PLACES
            and space.places + places_delta >= space.taken + delta
        )
        if not fits:
            return _refusal(space, delta=delta, places_delta=places_delta)
    raise AssertionError("a count row was refused, but every row fits")  # pragma: no cover
