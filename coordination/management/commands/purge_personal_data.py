"""`manage.py purge_personal_data --older-than DAYS`: anonymise households that left long ago."""

from django.core.management.base import BaseCommand, CommandError

from coordination.services import household_purge_personal_data


class Command(BaseCommand):
    help = (
        "Remove names, phones and notes of households that left more than DAYS ago "
        "(sizes and needs are kept for statistics). Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=30, metavar="DAYS")

    def handle(self, *args, older_than: int, **options):
        if older_than < 0:
            raise CommandError("--older-than must be 0 or more days.")
        purged = household_purge_personal_data(older_than_days=older_than)
        self.stdout.write(f"Personal data removed from {purged} households.")
