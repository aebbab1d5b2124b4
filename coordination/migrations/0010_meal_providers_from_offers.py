"""Each provider named in the old free text becomes an organisation; whoever posted its offers
becomes a member, so everyone keeps seeing the offers they posted. Names differing only in
case or surrounding spaces are one provider. The Coordinator group may manage providers."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

COORDINATOR_PERMISSIONS = [
    "add_mealprovider",
    "change_mealprovider",
    "delete_mealprovider",
    "view_mealprovider",
    "add_mealprovidermember",
    "change_mealprovidermember",
    "delete_mealprovidermember",
    "view_mealprovidermember",
]


def providers_from_offers(apps, schema_editor):
    MealOffer = apps.get_model("coordination", "MealOffer")
    MealProvider = apps.get_model("coordination", "MealProvider")
    MealProviderMember = apps.get_model("coordination", "MealProviderMember")
    providers = {}
    # Newest first: a provider takes the spelling, city and contact of its latest offer.
    for offer in MealOffer.objects.order_by("-created_at", "-pk").iterator():
        key = " ".join(offer.provider.split()).casefold()
        provider = providers.get(key)
        if provider is None:
            provider = providers[key] = MealProvider.objects.create(
                name=" ".join(offer.provider.split())[:120] or "?",
                city=offer.city,
                phone=offer.contact,
            )
        offer.provider_org = provider
        offer.save(update_fields=["provider_org"])
        if offer.created_by_id:
            MealProviderMember.objects.get_or_create(provider=provider, user_id=offer.created_by_id)


def names_from_providers(apps, schema_editor):
    MealOffer = apps.get_model("coordination", "MealOffer")
    for offer in MealOffer.objects.select_related("provider_org").iterator():
        offer.provider = offer.provider_org.name if offer.provider_org_id else "?"
        offer.save(update_fields=["provider"])


def coordinators_manage_providers(apps, schema_editor):
    app_config = apps.get_app_config("coordination")
    app_config.models_module = True  # the migration state's stub lacks it; the check needs it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name="Coordinator")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="coordination", codename__in=COORDINATOR_PERMISSIONS
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("coordination", "0009_meal_providers"),
    ]

    operations = [
        migrations.RunPython(providers_from_offers, names_from_providers),
        migrations.RunPython(coordinators_manage_providers, migrations.RunPython.noop),
    ]
