"""Defaults for alerts: one rule per kind, the Coordinator's permissions, the beat schedule.

The periodic tasks are copied from settings.CELERY_BEAT_SCHEDULE (see coordination/beat.py);
afterwards they are edited in the admin, and rerunning this migration overwrites nothing.
"""

from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations

RULES = [
    # kind, level, threshold, clears at, what the numbers mean
    ("nearly_full", "warning", 90, 80, "% of places taken that raises it; % below which it clears "
     "and 'room again' is raised (a shelter's own threshold wins)"),
    ("full", "critical", None, None, "no free place left; clears with nearly full"),
    ("room_again", "info", None, None, "raised when a nearly-full or full shelter clears"),
    ("city_low", "critical", 20, 30, "free places in the city below which it is raised (or below "
     "the people waiting); free places from which it clears"),
    ("stale_data", "warning", 6, None, "hours without a count of an open shelter"),
    ("meals_short", "warning", None, None, "today's portions fewer than people staying"),
]

COORDINATOR_PERMISSIONS = {
    "coordination": [
        "view_alert", "change_alert", "view_alertdelivery", "change_alertdelivery",
        "view_alertrule", "change_alertrule",
        "view_shelteralertthreshold", "add_shelteralertthreshold",
        "change_shelteralertthreshold", "delete_shelteralertthreshold",
        "view_alertsubscription", "add_alertsubscription", "change_alertsubscription",
        "delete_alertsubscription",
        "view_webhook", "add_webhook", "change_webhook", "delete_webhook",
    ],
    "django_celery_beat": [
        "view_periodictask", "change_periodictask",
        "view_intervalschedule", "add_intervalschedule", "change_intervalschedule",
        "view_crontabschedule", "add_crontabschedule", "change_crontabschedule",
    ],
}


def create_rules(apps, schema_editor):
    AlertRule = apps.get_model("coordination", "AlertRule")
    for kind, level, threshold, reset, help_text in RULES:
        AlertRule.objects.get_or_create(
            kind=kind,
            defaults={"level": level, "threshold": threshold, "reset": reset, "help": help_text},
        )


def grant_coordinators(apps, schema_editor):
    for label in COORDINATOR_PERMISSIONS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True  # the migration state's stub lacks it; the check needs it
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Coordinator")
    for label, codenames in COORDINATOR_PERMISSIONS.items():
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label=label, codename__in=codenames)
        )


def install_schedule(apps, schema_editor):
    from coordination.beat import install_defaults

    install_defaults(apps, settings.CELERY_BEAT_SCHEDULE, settings.CELERY_TIMEZONE)


class Migration(migrations.Migration):
    dependencies = [
        ("coordination", "0003_alerts"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(create_rules, migrations.RunPython.noop),
        migrations.RunPython(grant_coordinators, migrations.RunPython.noop),
        migrations.RunPython(install_schedule, migrations.RunPython.noop),
    ]
