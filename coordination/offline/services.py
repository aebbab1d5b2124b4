"""Applying a form once, whatever the number of times it is sent."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shelter.errors import ShelterError

from .models import AppliedSubmission


class AlreadyApplied(ShelterError):
    def __init__(self):
        super().__init__(_("This change was saved already: nothing was done twice."))


def submission_from(value: str | None) -> uuid.UUID | None:
    """The form's submission id; None for a form without one (an old page), never an error."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


@contextmanager
def applied_once(*, submission: uuid.UUID | None, action: str, by) -> Iterator[None]:
    """Run the block (one service call) in a transaction with the submission's row: both are
    kept or neither. A submission applied before raises AlreadyApplied; one sent twice at once
    waits on the other's row and then raises it. A refusal inside rolls the row back, so only
    applied changes are remembered. Without a submission id the block simply runs."""
    if submission is None:
        yield
        return
    with transaction.atomic():
        try:
            with transaction.atomic():
                AppliedSubmission.objects.create(id=submission, action=action, by=by)
        except IntegrityError:
            raise AlreadyApplied() from None
        yield
