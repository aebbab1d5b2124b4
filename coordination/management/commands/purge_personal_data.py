"""`manage.py purge_personal_data --older-than DAYS`: blank the personal data of households
with no activity for DAYS (any status; not while checked in)."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from coordination.households.selectors import households_checked_in_unchanged
from coordination.households.services import household_purge_personal_data
from coordination.offers.services import offers_purge_personal_data


class Command(BaseCommand):
    help = (
        "Remove names, phones, languages and notes of households with no registration, hold, "
        "check-in or check-out for DAYS days, whether they left, wait or were placed (sizes "
        "and needs are kept for statistics). Waiting ones leave the waiting list. Households "
        "checked in are kept while they stay. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=30, metavar="DAYS")

    def handle(self, *args, older_than: int, **options):
        if older_than < 0:
            raise CommandError("--older-than must be 0 or more days.")
        now = timezone.now()
        purged = household_purge_personal_data(older_than_days=older_than, now=now)
        self.stdout.write(f"Personal data removed from {purged} households.")
        hosts = offers_purge_personal_data(older_than_days=older_than, now=now)
        self.stdout.write(f"Personal data removed from {hosts} offers from residents.")
        kept = households_checked_in_unchanged(since=now - timedelta(days=older_than))
        if kept:
            self.stdout.write(
                f"{kept} households have been checked in for more than {older_than} days "
                "without a move: kept while they stay. Check them out if they have left."
            )
