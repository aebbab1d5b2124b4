"""factory_boy factories with only the fields each model requires."""

import importlib

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from shelter.models import MembershipRole, Shelter, ShelterMembership, Space

PASSWORD = "correct-horse-battery"

ROLE_MIGRATIONS = ["shelter.migrations.0002_groups", "coordination.migrations.0002_groups"]
ALERT_DEFAULTS = "coordination.migrations.0004_alert_defaults"
MEAL_PROVIDERS = "coordination.migrations.0010_meal_providers_from_offers"


def ensure_role_groups() -> None:
    """The role groups as the data migrations make them.

    A transactional test empties every table when it ends, groups included (post_migrate
    makes the permissions again, not the groups); tests that run after it need them back.
    """
    from django.contrib.auth.models import Permission

    for module in ROLE_MIGRATIONS:
        for name, codenames in importlib.import_module(module).GROUP_PERMISSIONS.items():
            group, _created = Group.objects.get_or_create(name=name)
            group.permissions.add(*Permission.objects.filter(codename__in=codenames))
    coordinator = Group.objects.get(name="Coordinator")
    for label, codenames in importlib.import_module(ALERT_DEFAULTS).COORDINATOR_PERMISSIONS.items():
        coordinator.permissions.add(
            *Permission.objects.filter(content_type__app_label=label, codename__in=codenames)
        )
    codenames = importlib.import_module(MEAL_PROVIDERS).COORDINATOR_PERMISSIONS
    coordinator.permissions.add(
        *Permission.objects.filter(content_type__app_label="coordination", codename__in=codenames)
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            ensure_role_groups()
            self.groups.add(*Group.objects.filter(name__in=extracted))
        if create:
            self.save()


class ShelterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shelter

    name = factory.Sequence(lambda n: f"Shelter {n}")
    address = factory.Sequence(lambda n: f"Street {n}")
    status = Shelter.Status.OPEN


class SpaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Space

    shelter = factory.SubFactory(ShelterFactory)
    name = factory.Sequence(lambda n: f"Room {n}")
    places = 10


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShelterMembership

    shelter = factory.SubFactory(ShelterFactory)
    user = factory.SubFactory(UserFactory)
    role = MembershipRole.VOLUNTEER


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coordination.Household"

    contact_name = factory.Sequence(lambda n: f"Person {n}")
    size = 1


class MealProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coordination.MealProvider"
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Kitchen {n}")


class MealOfferFactory(factory.django.DjangoModelFactory):
    """An offer open from now for two hours (clamped to today).

    `provider` may be given as a name: the provider of that name (made if missing).
    """

    class Meta:
        model = "coordination.MealOffer"

    provider = factory.SubFactory(MealProviderFactory, name="Café")

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        if isinstance(kwargs.get("provider"), str):
            kwargs["provider"] = MealProviderFactory(name=kwargs["provider"])
        return kwargs

    address = "Lenin Street 40"
    date = factory.LazyFunction(lambda: _local_now().date())
    starts_at = factory.LazyFunction(lambda: _local_now().replace(hour=0, minute=0).time())
    ends_at = factory.LazyFunction(lambda: _local_now().replace(hour=23, minute=59).time())
    portions = 10


def _local_now():
    from django.utils import timezone

    return timezone.localtime()


class WebhookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coordination.Webhook"

    name = factory.Sequence(lambda n: f"Chat bot {n}")
    url = "http://127.0.0.1:9/hook"
    secret = "test-secret"


class AlertSubscriptionFactory(factory.django.DjangoModelFactory):
    """An email subscription of a coordinator (with an address) to every shelter of Uralsk."""

    class Meta:
        model = "coordination.AlertSubscription"

    user = factory.SubFactory(
        UserFactory,
        groups=["Coordinator"],
        email=factory.Sequence(lambda n: f"coordinator{n}@example.org"),
    )


class HostOfferFactory(factory.django.DjangoModelFactory):
    """A resident's new offer (status new), as the public form would leave it."""

    class Meta:
        model = "coordination.HostOffer"

    code = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"Host {n}")
    contact = factory.Sequence(lambda n: f"+7 701 555 {n:04d}")
    phone_key = factory.LazyAttribute(lambda o: "".join(ch for ch in o.contact if ch.isdigit()))
    address = factory.Sequence(lambda n: f"Host Street {n}, flat 1")
    district = "Zachagansk"
    places = 3
    available_from = factory.LazyFunction(lambda: _local_now().date())
