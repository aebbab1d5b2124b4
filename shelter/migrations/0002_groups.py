"""Create the role groups and their permissions (Meal provider comes with the coordination app).

Object-level scope (which shelters) comes from ShelterMembership; groups give the abilities.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_PERMISSIONS = {
    "Volunteer": ["view_shelter", "view_space"],
    "Shelter manager": [
        "view_shelter",
        "add_shelter",
        "change_shelter",
        "view_space",
        "add_space",
        "change_space",
        "delete_space",
        "view_occupancyevent",
    ],
    "Coordinator": [
        "coordinate",
        "view_shelter",
        "add_shelter",
        "change_shelter",
        "delete_shelter",
        "view_space",
        "add_space",
        "change_space",
        "delete_space",
        "view_occupancyevent",
        "view_sheltermembership",
        "add_sheltermembership",
        "change_sheltermembership",
        "delete_sheltermembership",
    ],
}


def create_groups(apps, schema_editor):
    # Permissions are normally made after all migrations; make this app's now.
    app_config = apps.get_app_config("shelter")
    app_config.models_module = True  # the migration state's stub lacks it; the check needs it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="shelter", codename__in=codenames)
        )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUP_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("shelter", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
