"""The Meal provider group, and the household and meal permissions of the other roles."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_PERMISSIONS = {
    "Meal provider": ["add_mealoffer", "change_mealoffer", "view_mealoffer"],
    "Volunteer": ["add_household", "view_household", "view_mealoffer", "add_mealclaim"],
    "Shelter manager": ["add_household", "view_household", "view_mealoffer", "add_mealclaim"],
    "Coordinator": [
        "add_household",
        "change_household",
        "view_household",
        "view_hold",
        "view_stay",
        "add_mealoffer",
        "change_mealoffer",
        "delete_mealoffer",
        "view_mealoffer",
        "add_mealclaim",
        "view_mealclaim",
    ],
}


def create_groups(apps, schema_editor):
    app_config = apps.get_app_config("coordination")
    app_config.models_module = True  # the migration state's stub lacks it; the check needs it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="coordination", codename__in=codenames
            )
        )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Meal provider").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("coordination", "0001_initial"),
        ("shelter", "0002_groups"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
