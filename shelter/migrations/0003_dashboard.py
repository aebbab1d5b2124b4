"""For the coordinators' dashboard: "marked full", places before each change, the audit log.

- Shelter.marked_full: a coordinator's "full" that the status refresh respects.
- OccupancyEvent.places_before: with `places` (after) it gives each change of capacity, so
  the charts can sum changes by hour instead of replaying every space's history. Existing
  rows get the places of the space's previous event (their own when it is the first).
- A covering index on OccupancyEvent (at first) for those sums.
- AuditEntry, and the coordinators' permission to read it.
"""

import django.db.models.deletion
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

BACKFILL_PLACES_BEFORE = """
UPDATE shelter_occupancyevent SET places_before = previous.places_before
FROM (
    SELECT id, LAG(places, 1, places) OVER (PARTITION BY space_id ORDER BY at, id)
        AS places_before
    FROM shelter_occupancyevent
) AS previous
WHERE shelter_occupancyevent.id = previous.id
"""


def backfill_places_before(apps, schema_editor):
    # Plain SQL: PostgreSQL and SQLite (3.33+) both have window functions and UPDATE ... FROM.
    schema_editor.execute(BACKFILL_PLACES_BEFORE)


def coordinators_read_the_audit_log(apps, schema_editor):
    app_config = apps.get_app_config("shelter")
    app_config.models_module = True  # the migration state's stub lacks it; the check needs it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Coordinator")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="shelter", codename="view_auditentry")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("shelter", "0002_groups"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="shelter",
            name="marked_full",
            field=models.BooleanField(
                default=False,
                help_text="Full by decision, whatever the free places say, until opened again.",
                verbose_name="marked full",
            ),
        ),
        migrations.AddConstraint(
            model_name="shelter",
            constraint=models.CheckConstraint(
                condition=models.Q(("marked_full", False), ("status", "full"), _connector="OR"),
                name="shelter_shelter_marked_full_is_full",
            ),
        ),
        migrations.AddField(
            model_name="occupancyevent",
            name="places_before",
            field=models.PositiveIntegerField(null=True, verbose_name="places before"),
        ),
        migrations.RunPython(backfill_places_before, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="occupancyevent",
            name="places_before",
            field=models.PositiveIntegerField(verbose_name="places before"),
        ),
        migrations.AddIndex(
            model_name="occupancyevent",
            index=models.Index(
                fields=["at", "shelter", "before", "after", "places_before", "places"],
                name="shelter_event_at_idx",
            ),
        ),
        migrations.CreateModel(
            name="AuditEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("status", "Status set"),
                            ("marked_full", "Marked full"),
                            ("member_assigned", "Assigned to a shelter"),
                            ("member_removed", "Removed from a shelter"),
                            ("export", "Export"),
                        ],
                        max_length=20,
                        verbose_name="action",
                    ),
                ),
                ("at", models.DateTimeField(auto_now_add=True, verbose_name="at")),
                ("what", models.CharField(max_length=300, verbose_name="what")),
                ("details", models.JSONField(blank=True, default=dict, verbose_name="details")),
                (
                    "by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="by",
                    ),
                ),
                (
                    "shelter",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="audit_entries",
                        to="shelter.shelter",
                        verbose_name="shelter",
                    ),
                ),
                (
                    "subject",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="about user",
                    ),
                ),
            ],
            options={
                "verbose_name": "audit entry",
                "verbose_name_plural": "audit log",
                "ordering": ["-at", "-pk"],
                "indexes": [
                    models.Index(fields=["-at"], name="shelter_audit_at_idx"),
                    models.Index(fields=["shelter", "-at"], name="shelter_audit_shelter_at_idx"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "action__in",
                                [
                                    "status",
                                    "marked_full",
                                    "member_assigned",
                                    "member_removed",
                                    "export",
                                ],
                            )
                        ),
                        name="shelter_auditentry_action_valid",
                    )
                ],
            },
        ),
        migrations.RunPython(coordinators_read_the_audit_log, migrations.RunPython.noop),
    ]
