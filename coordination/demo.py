"""Demo data for Uralsk (see PRODUCT.md): shelters, spaces, roles and printed logins.

Loaded only into an empty database, so running `manage.py demo` twice changes nothing.
Counts go through the occupancy service, so the history is as real as the figures.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from shelter import services as shelter_services
from shelter.access import COORDINATOR_GROUP, SHELTER_MANAGER_GROUP, VOLUNTEER_GROUP
from shelter.models import (
    MembershipRole,
    OccupancyEvent,
    OccupancyReason,
    Shelter,
    ShelterMembership,
    Space,
)

from .access import MEAL_PROVIDER_GROUP
from .households import services
from .meals import services as meal_services
from .meals.models import MealProvider
from .models import Household, MealOffer


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


# Printed on every run; these accounts exist only in demo databases.
LOGINS = [
    DemoLogin("coordinator", "uralsk-coordinator", "Coordinator (everything, admin)"),
    DemoLogin("cinema-manager", "uralsk-cinema", "Shelter manager of Cinema Park"),
    DemoLogin("aigerim", "uralsk-volunteer", "Volunteer at Cinema Park and School No. 9 gym"),
    DemoLogin("dmitry", "uralsk-volunteer", "Volunteer at the Yunost sports hall"),
    DemoLogin("cafe-dastarkhan", "uralsk-meals", "Meal provider: Café Dastarkhan"),
    DemoLogin(
        "st-michaels-kitchen", "uralsk-kitchen", "Meal provider: Volunteer kitchen of St. Michael's"
    ),
    DemoLogin("aigul-kitchen", "uralsk-home", "Meal provider: Aigul's home kitchen (a resident)"),
]

URALSK = (Decimal("51.2333"), Decimal("51.3667"))

SHELTERS = [
    # name, kind, address, district, (dlat, dlon), rules, spaces [(name, places, occupied)]
    (
        "Cinema Park",
        Shelter.Kind.CINEMA,
        "Dostyk Avenue 157, Cinema Park (Mega Center)",
        "Centre",
        ("0.0021", "0.0043"),
        {"accepts_families": True, "pets_allowed": True, "has_kitchen": True},
        [
            ("Auditorium 1", 60, 52),
            ("Auditorium 2", 55, 41),
            ("Auditorium 3", 45, 30),
            ("Auditorium 4", 40, 12),
        ],
    ),
    (
        "School No. 9 gym",
        Shelter.Kind.SCHOOL,
        "Yevgeniya Brusilovskogo Street 21",
        "Zachagansk",
        ("-0.0102", "0.0120"),
        {"accepts_families": True, "has_showers": True},
        [("Gym hall", 80, 64), ("Classroom 12", 16, 16)],
    ),
    (
        "Yunost sports hall",
        Shelter.Kind.GYM,
        "Abulkhair Khan Avenue 44",
        "Centre",
        ("0.0080", "-0.0050"),
        {"accepts_families": False, "men_only": True, "has_showers": True},
        [("Main hall", 120, 87)],
    ),
    (
        "Dormitory of the Agrarian College",
        Shelter.Kind.DORMITORY,
        "Zhangir Khan Street 51",
        "Centre",
        ("0.0150", "0.0010"),
        {"women_children_only": True, "wheelchair_accessible": True, "has_showers": True},
        [("Floor 2", 24, 18), ("Floor 3", 24, 6)],
    ),
]

# Flats offered by residents: (street, number and flat, district, places, occupied). The
# public sees "Flat on <street>" and the district; the exact address goes to those sent there.
APARTMENT_STREETS = [
    ("Kurmangazy St", "12, apt 4", "Centre", 4, 2),
    ("Sarayshyk St", "7, apt 31", "Zachagansk", 3, 3),
    ("Dostyk Ave", "201, apt 58", "Centre", 6, 1),
    ("Mametova St", "3, apt 9", "Centre", 2, 0),
    ("Zhambyl St", "88, apt 14", "Derkul", 5, 5),
    ("Ikhsanova St", "40, apt 2", "Centre", 4, 0),
    ("Chapaev St", "19, apt 22", "Old Town", 3, 1),
    ("Lenin St", "60, apt 7", "Old Town", 2, 2),
    ("Kazakhstan Ave", "5, apt 101", "Zachagansk", 6, 3),
    ("Temir Masin St", "11, apt 3", "Derkul", 4, 4),
    ("Aitiev St", "28, apt 45", "Centre", 3, 0),
    ("Abay Ave", "120, apt 12", "Zachagansk", 5, 2),
]


def _user(login: DemoLogin, *groups: str, staff: bool = False):
    user, created = get_user_model().objects.get_or_create(username=login.username)
    if created:
        user.set_password(login.password)
        user.is_staff = staff
        user.save()
        user.groups.add(*Group.objects.filter(name__in=groups))
    return user


def _shelter(name, kind, address, district, offset, rules, phone, city="Uralsk") -> Shelter:
    lat, lon = URALSK[0] + Decimal(offset[0]), URALSK[1] + Decimal(offset[1])
    return Shelter.objects.create(
        name=name,
        kind=kind,
        address=address,
        city=city,
        district=district,
        latitude=lat,
        longitude=lon,
        host=name,
        phone=phone,
        status=Shelter.Status.OPEN,
        **rules,
    )


# The demo's shelters opened six days ago and filled step by step, so the dashboard's charts
# have a week to draw: (hours ago, share of today's count reached by then).
FILLING = ((148, 0.15), (100, 0.35), (76, 0.55), (52, 0.7), (20, 0.85), (0, 1.0))


def _fill(shelter: Shelter, spaces, by) -> None:
    now = timezone.now()
    for space_name, places, occupied in spaces:
        space = Space.objects.create(shelter=shelter, name=space_name, places=places)
        counted = 0
        for hours_ago, share in FILLING:
            delta = round(occupied * share) - counted
            if not delta:
                continue
            event = shelter_services.occupancy_change(
                space_id=space.pk, delta=delta, reason=OccupancyReason.COUNT, by=by
            )
            counted += delta
            # Dated back afterwards: the occupancy service records every change as made now.
            OccupancyEvent.objects.filter(pk=event.pk).update(at=now - timedelta(hours=hours_ago))


def load_demo_data() -> bool:
    """Create the Uralsk demo if no shelter exists yet. Returns True when data was loaded."""
    coordinator = _user(LOGINS[0], COORDINATOR_GROUP, staff=True)
    manager = _user(LOGINS[1], SHELTER_MANAGER_GROUP)
    aigerim = _user(LOGINS[2], VOLUNTEER_GROUP)
    dmitry = _user(LOGINS[3], VOLUNTEER_GROUP)
    cooks = [_user(login, MEAL_PROVIDER_GROUP) for login in LOGINS[4:7]]
    if Shelter.objects.exists():
        return False
    with transaction.atomic():
        created = {}
        for index, (name, kind, address, district, offset, rules, spaces) in enumerate(SHELTERS):
            phone = f"+7 711 250 {index + 11} 00"  # invented numbers, like everything here
            created[name] = shelter = _shelter(name, kind, address, district, offset, rules, phone)
            _fill(shelter, spaces, by=coordinator)
        for index, (street, number, district, places, occupied) in enumerate(
            APARTMENT_STREETS, start=1
        ):
            offset = (f"{(index % 5 - 2) * 0.006:.4f}", f"{(index % 7 - 3) * 0.005:.4f}")
            shelter = _shelter(
                f"Flat on {street}",
                Shelter.Kind.APARTMENT,
                f"{street} {number}",
                district,
                offset,
                {"accepts_families": True, "pets_allowed": index % 3 == 0},
                f"+7 705 300 {index:02d} {index * 7:02d}",  # the host's own: never public
            )
            _fill(shelter, [("Flat", places, occupied)], by=coordinator)
        _assign(created["Cinema Park"], manager, MembershipRole.MANAGER)
        _assign(created["Cinema Park"], aigerim, MembershipRole.VOLUNTEER)
        _assign(created["School No. 9 gym"], aigerim, MembershipRole.VOLUNTEER)
        _assign(created["Yunost sports hall"], dmitry, MembershipRole.VOLUNTEER)
    with transaction.atomic():
        _arrivals(created, aigerim, coordinator)
        _meals(created, cooks)
    return True


# Invented people: contact name, size, children, needs
HOUSEHOLDS = [
    ("Ivan Petrov", 1, 0, {}),
    ("Olga Smirnova", 3, 2, {"women_children_only": True}),
    ("Sergey and Anna Kuznetsov", 4, 2, {"has_infant": True}),
    ("Alexei Volkov", 2, 0, {"has_pets": True}),
    ("Nikolai Orlov", 1, 0, {"needs_medical": True}),
    ("Pavel Sokolov", 1, 0, {}),
    ("Maria Lebedeva", 2, 1, {}),
    ("Dmitri Kozlov", 3, 0, {}),
    ("Artem Novikov", 1, 0, {"needs_wheelchair": True}),
]


def _arrivals(shelters: dict, volunteer, coordinator) -> None:
    """Some households waiting, one on its way (a hold), some placed in apartments."""
    households = []
    for index, (name, size, children, needs) in enumerate(HOUSEHOLDS):
        household = Household(
            contact_name=name,
            size=size,
            children=children,
            languages="Russian",
            phone=f"+7 701 000 00 {index:02d}",
            arrived_from="Samara" if index % 2 else "Saratov",
            registered_at=shelters["Cinema Park"],
            **needs,
        )
        households.append(services.household_register(household=household, by=volunteer))
    apartments = Space.objects.filter(shelter__kind=Shelter.Kind.APARTMENT).order_by("pk")
    for household in households[5:]:
        space = next(s for s in apartments if s.free >= household.size)
        services.stay_check_in(household_id=household.pk, space_id=space.pk, by=coordinator)
        apartments = Space.objects.filter(shelter__kind=Shelter.Kind.APARTMENT).order_by("pk")
    dormitory = Space.objects.filter(shelter__name__startswith="Dormitory").order_by("pk").first()
    services.hold_create(household_id=households[1].pk, space_id=dormitory.pk, by=volunteer)


# Meal providers, each an organisation with its own login: (name, phone, its offer today:
# at shelter or address, portions, what the public reads, tags).
PROVIDERS = [
    (
        "Café Dastarkhan",
        "+7 711 251 40 40",
        ("Cinema Park", "", 120, "Plov and tea", {"halal": True}),
    ),
    (
        "Volunteer kitchen of St. Michael's",
        "+7 711 252 17 17",
        (
            None,
            "Lenin Street 40, yard",
            80,
            "Vegetable soup and bread; bring a bowl",
            {"vegetarian": True},
        ),
    ),
    (
        "Aigul's home kitchen",
        "+7 705 310 22 22",
        ("School No. 9 gym", "", 30, "Porridge and compote for children", {"for_children": True}),
    ),
]


def _meals(shelters: dict, cooks: list) -> None:
    """Each provider with its member (one login each) and today's offer."""
    now = timezone.localtime()
    start_of_window = max(now - timedelta(hours=1), now.replace(hour=0, minute=0))
    end_of_window = min(now + timedelta(hours=4), now.replace(hour=23, minute=59))
    for (name, phone, offer), cook in zip(PROVIDERS, cooks, strict=True):
        provider = MealProvider.objects.create(name=name, phone=phone)
        provider.memberships.create(user=cook)
        shelter_name, address, portions, public_notes, tags = offer
        shelter = shelters[shelter_name] if shelter_name else None
        meal_services.meal_offer_save(
            offer=MealOffer(
                provider=provider,
                shelter=shelter,
                address=address,
                date=now.date(),
                starts_at=_clock(start_of_window),
                ends_at=_clock(end_of_window),
                portions=portions,
                delivery=MealOffer.Delivery.DELIVERED if shelter else MealOffer.Delivery.PICKUP,
                contact=phone,
                public_notes=public_notes,
                **tags,
            ),
            fields=[],
            by=cook,
        )


def _clock(moment: datetime) -> time:
    return moment.time().replace(second=0, microsecond=0)


def _assign(shelter: Shelter, user, role: MembershipRole) -> None:
    ShelterMembership.objects.get_or_create(shelter=shelter, user=user, defaults={"role": role})
