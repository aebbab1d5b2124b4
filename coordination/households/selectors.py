"""Reads of households, holds and stays for pages and tasks, in a fixed number of queries.

Where a household can go ("find a place") is in places.py.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Replace

from shelter.access import is_coordinator
from shelter.models import Shelter, Space

from ..access import households_visible_to, member_households_q, shelters_taking_from_city
from ..asks.models import AskWhere, code_normalise
from ..models import Hold, HoldStatus, Household, HouseholdStatus, Stay
from .places import household_fits, space_takes


def _phone_key(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isalnum())


def household_duplicates(
    *, contact_name: str, phone: str, size: int | None = None
) -> list[Household]:
    """Waiting or placed households that may be this one, by the same name (case and spaces
    ignored) and either the same phone (separators ignored; both without a phone is the
    same too), or, when one of the two has no phone, the same size: a family registered
    twice without a phone, or once with and once without. Two different phones are two
    households."""
    digits = _phone_key(phone)
    candidates = (
        Household.objects.active()
        .filter(contact_name__iexact=" ".join(contact_name.split()))
        .select_related("registered_at")
    )

    def same(household: Household) -> bool:
        theirs = _phone_key(household.phone)
        if theirs == digits:
            return True
        one_without_phone = not theirs or not digits
        return one_without_phone and size is not None and household.size == size

    return [h for h in candidates if same(h)]


def households_to_purge(*, inactive_since: datetime) -> QuerySet[Household]:
    """Households whose personal data is due: nothing happened to them since `inactive_since`,
    not checked in anywhere, not anonymised yet. Any status: waiting, placed or left.

    What counts as something happening: registration, a hold made or ended (released, expired,
    used to check in), a check-in, a check-out (the latest of created_at, waiting_since, the
    holds' created_at and ended_at, the stays' checked_in_at and checked_out_at, left_at). A
    household checked in (an open stay) is never due, however long it stays: its people are
    in a bed tonight. An active hold older than that (its expiry never ran) does not keep it:
    the purge gives those places back.
    """
    since = inactive_since
    recent_stay = Stay.objects.filter(household=OuterRef("pk")).filter(
        Q(checked_out_at__isnull=True) | Q(checked_in_at__gte=since) | Q(checked_out_at__gte=since)
    )
    recent_hold = Hold.objects.filter(household=OuterRef("pk")).filter(
        Q(created_at__gte=since) | Q(ended_at__gte=since)
    )
    return (
        # coord_household_purge_idx: not anonymised, by registration time
        Household.objects.filter(anonymised_at__isnull=True, created_at__lt=since)
        .filter(waiting_since__lt=since)
        .exclude(left_at__gte=since)
        .exclude(Exists(recent_stay))
        .exclude(Exists(recent_hold))
    )


def households_checked_in_unchanged(*, since: datetime) -> int:
    """Households checked in before `since` and not moved or out since: the purge keeps their
    data while they stay; a list for coordinators to check they have not left unrecorded."""
    return Stay.objects.filter(
        checked_out_at__isnull=True,
        checked_in_at__lt=since,
        household__anonymised_at__isnull=True,
    ).count()


@dataclass(frozen=True)
class Duplicates:
    """Possible duplicates of a household being registered, as one user may learn of them.

    `seen` are the ones the user may open (coordination.access); of the others only that
    there are some: where they are, since when and how they are doing is personal data of
    another shelter's people (with no phone, a name alone matches).
    """

    seen: list[Household]
    elsewhere: bool

    def __bool__(self) -> bool:
        return bool(self.seen) or self.elsewhere


def household_duplicates_for(
    user, *, contact_name: str, phone: str, size: int | None = None
) -> Duplicates:
    """Possible duplicates (household_duplicates), split by what the user may see."""
    found = household_duplicates(contact_name=contact_name, phone=phone, size=size)
    if not found:
        return Duplicates(seen=[], elsewhere=False)
    visible = set(
        households_visible_to(user)
        .filter(pk__in=[h.pk for h in found])
        .values_list("pk", flat=True)
    )
    seen = [h for h in found if h.pk in visible]
    return Duplicates(seen=seen, elsewhere=len(seen) < len(found))


def _active_hold() -> Prefetch:
    return Prefetch(
        "holds",
        queryset=Hold.objects.filter(status=HoldStatus.ACTIVE).select_related(
            "space__shelter", "created_by"
        ),
        to_attr="active_holds",
    )


CODE_SEARCH = re.compile(r"#?\s*(\d{1,18})")  # "#123" or "123": a household's id
PHONE_SEARCH_DIGITS = 3  # fewer digits than this would match almost every phone


def _phone_digits(field: str):
    """The phone with the usual separators taken out, in the database (SQLite has no regex)."""
    expression = F(field)
    for separator in " -()+./":
        expression = Replace(expression, Value(separator), Value(""))
    return expression


@dataclass(frozen=True)
class HouseholdSearch:
    """What was typed in the waiting list's search box: a name, a phone, a code ("#123") or
    the code of a request made online ("KX7M2P").

    Name and phone are searched only among households the user may see; the codes alone are
    searched among the others too (finding a code tells nothing personal).
    """

    text: str = ""

    @property
    def code(self) -> int | None:
        match = CODE_SEARCH.fullmatch(self.text)
        return int(match.group(1)) if match else None

    @property
    def ask_code(self) -> str | None:
        return code_normalise(self.text) if self.text and not self.text.startswith("#") else None

    def _by_codes(self, households: QuerySet[Household]) -> QuerySet[Household]:
        matches = Q(pk=self.code) if self.code else Q()
        if self.ask_code:  # open requests only: a closed one's code may be someone else's now
            matches |= Q(ask__code=self.ask_code, ask__closed_at__isnull=True)
        return households.filter(matches) if matches else households.none()

    def visible(self, households: QuerySet[Household]) -> QuerySet[Household]:
        if not self.text:
            return households
        if self.text.startswith("#"):
            return households.filter(pk=self.code) if self.code else households.none()
        matches = Q(contact_name__icontains=self.text)
        digits = re.sub(r"\D", "", self.text)
        if len(digits) >= PHONE_SEARCH_DIGITS:
            households = households.annotate(phone_digits=_phone_digits("phone"))
            matches |= Q(phone_digits__contains=digits)
        if self.code is not None:
            matches |= Q(pk=self.code)
        if self.ask_code:
            matches |= Q(ask__code=self.ask_code, ask__closed_at__isnull=True)
        return households.filter(matches)

    def others(self, households: QuerySet[Household]) -> QuerySet[Household]:
        if not self.text:
            return households
        return self._by_codes(households)


def household_search(text: str) -> HouseholdSearch:
    """What was typed, tidied: spaces collapsed, no control characters (a NUL would make
    PostgreSQL refuse the query), at most 80 characters."""
    printable = "".join(ch for ch in text if ch.isprintable())
    return HouseholdSearch(text=" ".join(printable.split())[:80])


@dataclass
class WaitingElsewhere:
    """A household on the city's waiting list that the user may not see: no personal data,
    only what is needed to take it (size, needs, since when, where registered)."""

    pk: int
    size: int
    children: int
    has_infant: bool
    has_pets: bool
    needs_wheelchair: bool
    needs_medical: bool
    women_children_only: bool
    waiting_since: datetime
    registered_at_name: str | None
    ask_code: str | None = None  # asked online (coordination/asks): its code
    ask_where: str | None = None  # ... and where the person said they are
    take_space: Space | None = None  # the user's best space for it, if one fits

    @property
    def code(self) -> str:
        return f"#{self.pk}"

    @property
    def ask_where_label(self) -> str:
        return AskWhere(self.ask_where).label if self.ask_where else ""

    @property
    def is_family(self) -> bool:
        return self.children > 0 or self.has_infant


WAITING_ELSEWHERE_SHOWN = 50
# The columns read for those households: never a name, a phone or a note.
_ELSEWHERE_FIELDS = (
    "pk",
    "size",
    "children",
    "has_infant",
    "has_pets",
    "needs_wheelchair",
    "needs_medical",
    "women_children_only",
    "waiting_since",
)


# What matching a household to a space reads (places.space_takes) and the button names: 200
# spaces of 20 shelters for a volunteer, whose other columns took longer to load than to use.
_TAKING_SPACE_FIELDS = (
    "name",
    "places",
    "blocked",
    "held",
    "occupied",
    "shelter__name",
    "shelter__city",
    "shelter__accepts_families",
    "shelter__pets_allowed",
    "shelter__wheelchair_accessible",
    "shelter__women_children_only",
    "shelter__men_only",
)


@dataclass
class WaitingList:
    households: Page  # waiting for a place, the user may see them: one page of them
    on_the_way: list[Household]  # held somewhere: each with its active hold (`active_holds`)
    elsewhere: list[WaitingElsewhere]  # the city's other waiting households (see below)
    elsewhere_more: bool  # more than WAITING_ELSEWHERE_SHOWN of them
    may_take: bool  # the user works in a shelter taking people: the city's list is shown
    search: HouseholdSearch


WAITING_PER_PAGE = 50  # households waiting for a place shown at a time, those waiting longest first


def waiting_list(
    user,
    *,
    fitting_shelter: Shelter | None = None,
    search: HouseholdSearch | None = None,
    page: str | int | None = None,
) -> WaitingList:
    """The waiting list as the user may see it, oldest first.

    Households the user may see, in full: those waiting for a place (those fitting
    `fitting_shelter` first), a page of WAITING_PER_PAGE at a time, and, apart, those on
    their way to a hold (not waiting for a place any more). A volunteer whose shelter takes
    people also gets the other households of its city (registered there or nowhere) waiting
    for a place, without personal data, each with the best space of their own shelters that
    would take it (a hold there makes it theirs to see).

    Queries: with `fitting_shelter`, 1 its spaces; 2 how many wait for a place, 3 the page of
    them with who registered them and their online request; 4 those on the way, 5 their
    active holds with space, shelter and who made them; for a volunteer of a shelter taking
    people, 6 the city's others, 7 the spaces of their shelters.
    """
    search = search or HouseholdSearch()
    visible = (
        search.visible(households_visible_to(user).filter(status=HouseholdStatus.WAITING))
        .with_active_hold()
        .select_related("registered_by", "registered_at", "ask")
    )
    oldest_first = ["waiting_since", "pk"]
    order = oldest_first
    waiting = visible.filter(on_the_way=False)
    if fitting_shelter is not None:
        # Who fits, in the database: sorting the whole list in Python would read every row.
        fits = household_fits(fitting_shelter, list(fitting_shelter.spaces.all()))
        waiting = waiting.annotate(fits=fits)
        order = ["-fits", *order]  # stable: oldest first within each
    households = Paginator(waiting.order_by(*order), WAITING_PER_PAGE).get_page(page)
    on_the_way = (
        visible.filter(on_the_way=True).order_by(*oldest_first).prefetch_related(_active_hold())
    )
    elsewhere, more, may_take = _waiting_elsewhere(user, search)
    return WaitingList(
        households=households,
        on_the_way=list(on_the_way),
        elsewhere=elsewhere,
        elsewhere_more=more,
        may_take=may_take,
        search=search,
    )


def _waiting_elsewhere(user, search: HouseholdSearch) -> tuple[list[WaitingElsewhere], bool, bool]:
    if is_coordinator(user):
        return [], False, False  # they see every household in full already
    spaces = list(
        Space.objects.filter(shelter__in=shelters_taking_from_city(user))
        .select_related("shelter")
        .only(*_TAKING_SPACE_FIELDS)
    )
    if not spaces:
        return [], False, False
    # Their city (cities): households registered there, or at no shelter (at the station).
    cities = {space.shelter.city for space in spaces}
    rows = list(
        search.others(
            Household.objects.waiting_for_place()
            .filter(Q(registered_at__city__in=cities) | Q(registered_at__isnull=True))
            .exclude(member_households_q(user))  # (not a coordinator: see above)
        )
        .annotate(
            registered_at_name=F("registered_at__name"),
            ask_code=F("ask__code"),
            ask_where=F("ask__where_now"),
        )
        .values(*_ELSEWHERE_FIELDS, "registered_at_name", "ask_code", "ask_where")[
            : WAITING_ELSEWHERE_SHOWN + 1
        ]
    )
    elsewhere = [WaitingElsewhere(**row) for row in rows[:WAITING_ELSEWHERE_SHOWN]]
    # The tightest fit: the big rooms stay for big groups. Worked out once per size and
    # needs (households alike get the same space), not once per household and space.
    spaces.sort(key=lambda s: (s.free, s.shelter.name, s.pk))
    best: dict[tuple, Space | None] = {}
    for household in elsewhere:
        alike = (
            household.size,
            household.is_family,
            household.has_pets,
            household.needs_wheelchair,
            household.women_children_only,
        )
        if alike not in best:
            best[alike] = next(
                (s for s in spaces if space_takes(s.free, s.shelter, household)), None
            )
        household.take_space = best[alike]
    return elsewhere, len(rows) > WAITING_ELSEWHERE_SHOWN, True


def household_active_hold(household_id: int) -> Hold | None:
    """The household's active hold (where it is on its way to, and who made it), if any."""
    return (
        Hold.objects.filter(household_id=household_id, status=HoldStatus.ACTIVE)
        .select_related("space__shelter", "created_by")
        .first()
    )


def household_detail(household_id: int) -> Household:
    return (
        Household.objects.select_related("registered_by", "registered_at", "ask")
        .prefetch_related(
            Prefetch(
                "stays",
                queryset=Stay.objects.select_related(
                    "space__shelter", "checked_in_by", "checked_out_by"
                ).order_by("-checked_in_at"),
            ),
            Prefetch(
                "holds",
                queryset=Hold.objects.select_related(
                    "space__shelter", "created_by", "ended_by"
                ).order_by("-created_at"),
            ),
        )
        .get(pk=household_id)
    )


# What the section shows of a household on its way: its name, size and needs, and where it
# was registered (household_tags.household_summary and household_registered).
SECTION_HOUSEHOLD_FIELDS = (
    "contact_name",
    "size",
    "children",
    "women_children_only",
    "has_infant",
    "has_pets",
    "needs_wheelchair",
    "needs_medical",
    "registered_by",
    "registered_at",
)


@dataclass
class ShelterArrivals:
    """What the receiving shelter's page shows of households (coordination's section)."""

    expected: list[Hold]  # active holds in its spaces: households on their way, soonest first
    check_outs: list[Stay]  # its check-outs that can still be undone, newest first
    undo_minutes: int


def shelter_arrivals(shelter_id: int, *, now: datetime, held: int) -> ShelterArrivals:
    """Queries: 1 the active holds with household, who registered it and where, the space and
    who made the hold (none when `held`, the places held in the shelter's spaces, is 0: every
    active hold's places are counted there in the transaction that makes it); 2 the check-outs
    of the last CHECK_OUT_UNDO_MINUTES still undoable."""
    minutes = settings.CHECK_OUT_UNDO_MINUTES
    # Only the columns the section shows: a row of six joined models built in full cost more
    # than the rest of the shelter's page.
    expected = (
        Hold.objects.filter(space__shelter_id=shelter_id, status=HoldStatus.ACTIVE)
        .select_related(
            "household__registered_by", "household__registered_at", "space", "created_by"
        )
        .only(
            "expires_at",
            "space__name",
            "created_by__username",
            *(f"household__{field}" for field in SECTION_HOUSEHOLD_FIELDS),
            "household__registered_by__username",
            "household__registered_at__name",
        )
        .order_by("expires_at", "pk")
    )
    check_outs = (
        Stay.objects.check_outs_undoable(since=now - timedelta(minutes=minutes))
        .filter(space__shelter_id=shelter_id)
        .select_related("space", "household", "checked_out_by")
        .only(
            "people", "checked_out_at", "household__id", "space__name", "checked_out_by__username"
        )
        .order_by("-checked_out_at", "-pk")
    )
    return ShelterArrivals(
        expected=list(expected) if held else [],
        check_outs=list(check_outs),
        undo_minutes=minutes,
    )
