"""The beat schedule lives in the database (django-celery-beat), editable in the admin.

CELERY_BEAT_SCHEDULE in settings gives the defaults: migration 0004 copies them into the
tables, and beat adds an entry that is missing. Unlike django-celery-beat's own scheduler,
which writes every settings entry back on each start, this one never overwrites a row, so a
coordinator's change of an interval or a crontab survives a restart.
"""

from celery import schedules
from django_celery_beat.schedulers import DatabaseScheduler as _DatabaseScheduler

INTERVAL_SECONDS = "seconds"


class DatabaseScheduler(_DatabaseScheduler):
    def update_from_dict(self, mapping):
        existing = set(self.Model.objects.filter(name__in=mapping).values_list("name", flat=True))
        super().update_from_dict({k: v for k, v in mapping.items() if k not in existing})


def install_defaults(apps, beat_schedule: dict, timezone_name: str) -> list[str]:
    """Create a periodic task row for each settings entry not in the database; for migrations.

    Works with the migration's historical models (`apps`), so only plain field values are
    used. Returns the names created.
    """
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    created = []
    for name, entry in beat_schedule.items():
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        schedule = entry["schedule"]
        fields = {}
        if isinstance(schedule, schedules.crontab):
            fields["crontab"], _ = CrontabSchedule.objects.get_or_create(
                minute=schedule._orig_minute,
                hour=schedule._orig_hour,
                day_of_week=schedule._orig_day_of_week,
                day_of_month=schedule._orig_day_of_month,
                month_of_year=schedule._orig_month_of_year,
                timezone=timezone_name,
            )
        else:
            seconds = schedules.maybe_schedule(schedule).run_every.total_seconds()
            fields["interval"], _ = IntervalSchedule.objects.get_or_create(
                every=int(seconds), period=INTERVAL_SECONDS
            )
        PeriodicTask.objects.create(name=name, task=entry["task"], **fields)
        created.append(name)
    return created
