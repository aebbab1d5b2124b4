"""Forms for volunteers and managers: input cleaning, friendly messages and crispy layouts.

The database and `services` enforce every rule; these only say it before saving, at the field.
"""

import contextlib

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import MAX_PLACES, PRIVATE_KINDS, Shelter, Space, StatusAction, sphere_capacity
from .services import SpaceCount


def bounded_formfield(db_field, **kwargs):
    """The model field's form field, with its validators' bounds as the browser's min and max.

    Django gives a PositiveIntegerField `min="0"` whatever its MinValueValidator says (and the
    widget's own `min` is overwritten), so a phone's number field would offer 0 people or 0
    portions. The model's validators stay the one place these bounds are written.
    """
    if isinstance(db_field, models.IntegerField | models.DecimalField | models.FloatField):
        lows = [v.limit_value for v in db_field.validators if isinstance(v, MinValueValidator)]
        highs = [v.limit_value for v in db_field.validators if isinstance(v, MaxValueValidator)]
        if lows := [low for low in lows if not callable(low)]:
            kwargs.setdefault("min_value", max(lows))
        if highs := [high for high in highs if not callable(high)]:
            kwargs.setdefault("max_value", min(highs))
    return db_field.formfield(**kwargs)


_BIG_NUMBER = {"class": "form-control form-control-lg text-center", "inputmode": "numeric"}


def _count_field(label) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=MAX_PLACES,
        widget=forms.NumberInput(attrs={**_BIG_NUMBER, "min": 0, "max": MAX_PLACES}),
        error_messages={"invalid": _("Enter a whole number, e.g. 12.")},
    )


class SpaceCountForm(forms.Form):
    """One row of the bed-count form. The hidden `seen_*` values are what the volunteer saw."""

    seen_places = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    seen_occupied = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    places = _count_field(_("Places"))
    occupied = _count_field(_("Occupied"))

    def __init__(self, *args, space: Space, **kwargs):
        kwargs.setdefault("prefix", f"space-{space.pk}")
        kwargs.setdefault(
            "initial",
            {
                "seen_places": space.places,
                "seen_occupied": space.occupied,
                "places": space.places,
                "occupied": space.occupied,
            },
        )
        super().__init__(*args, **kwargs)
        self.space = space

    def clean(self):
        data = super().clean()
        places, occupied = data.get("places"), data.get("occupied")
        if places is None or occupied is None:
            return data
        unusable = self.space.blocked + self.space.held
        if occupied + unusable > places:
            at_most = max(places - unusable, 0)
            message = ngettext(
                "At most %(n)d person fits here (%(places)d places, %(unusable)d blocked or held).",
                "At most %(n)d people fit here (%(places)d places, %(unusable)d blocked or held).",
                at_most,
            ) % {"n": at_most, "places": places, "unusable": unusable}
            lowered_places = places < (data.get("seen_places") or 0)
            self.add_error("places" if lowered_places else "occupied", message)
        return data

    @property
    def summary_name(self) -> str:
        """Which row, in the error summary at the top of the page."""
        return self.space.name

    def to_count(self) -> SpaceCount:
        return SpaceCount(space_id=self.space.pk, **self.cleaned_data)

    def changes(self) -> bool:
        data = self.cleaned_data
        return (data["places"], data["occupied"]) != (data["seen_places"], data["seen_occupied"])


def bed_count_forms(spaces, data=None) -> list[SpaceCountForm]:
    """A form per space. A space added after the page was loaded is left out of a POST."""
    if data is None:
        return [SpaceCountForm(space=space) for space in spaces]
    return [
        SpaceCountForm(data, space=space)
        for space in spaces
        if f"space-{space.pk}-seen_places" in data
    ]


def apply_step(data, step: str):
    """The +/- buttons without JavaScript: 'space-3-occupied:1' adds 1 to that input."""
    field, _sep, amount = step.rpartition(":")
    data = data.copy()
    if field.endswith(("-places", "-occupied")) and field in data:
        # A non-number is left as typed: the field's own validation explains it.
        with contextlib.suppress(ValueError):
            data[field] = str(max(int(data[field]) + int(amount), 0))
    return data


class SubmissionForm(forms.Form):
    """The form's one-time token: a retried post is recognised instead of applied twice.

    A count without one (a copy of the form from before it had one, or a tampered one) is
    refused, not applied without it: the page comes back with the figures typed and a new
    token, so saving again is one tap.
    """

    OUT_OF_DATE = _(
        "This form was out of date and nothing was saved: check the figures and save again."
    )
    submission = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={"required": OUT_OF_DATE, "invalid": OUT_OF_DATE},
    )


class ShelterForm(forms.ModelForm):
    class Meta:
        model = Shelter
        formfield_callback = bounded_formfield
        fields = [
            "name",
            "kind",
            "address",
            "city",
            "district",
            "latitude",
            "longitude",
            "host",
            "phone",
            "accepts_families",
            "women_children_only",
            "men_only",
            "pets_allowed",
            "wheelchair_accessible",
            "has_showers",
            "has_kitchen",
            "has_heating",
            "has_wifi",
            "opens_at",
            "closes_at",
            "public_notes",
        ]
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "latitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
            "longitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
            "public_notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "opens_at": _("Leave both times empty if open all day; e.g. 20:00-08:00 for nights."),
            "kind": _(
                "Apartments and private homes: the public sees the name, the district and the "
                "coordinators' phone only; the address and the phone below are given to a "
                "household when places are held for it."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(_("Place"), "name", "kind", "host", "phone"),
            Fieldset(_("Where"), "address", "city", "district", Div("latitude", "longitude")),
            Fieldset(
                _("Who can stay"),
                "accepts_families",
                "women_children_only",
                "men_only",
                "pets_allowed",
                "wheelchair_accessible",
            ),
            Fieldset(_("Amenities"), "has_showers", "has_kitchen", "has_heating", "has_wifi"),
            Fieldset(_("Opening hours"), "opens_at", "closes_at"),
            Fieldset(_("For arriving people"), "public_notes"),
        )

    def clean(self):
        data = super().clean()
        if data.get("men_only") and data.get("women_children_only"):
            self.add_error("men_only", _("Choose men only or women and children only, not both."))
        name, address = data.get("name") or "", (data.get("address") or "").strip()
        if data.get("kind") in PRIVATE_KINDS and address and address.casefold() in name.casefold():
            self.add_error(
                "name",
                _(
                    "The name is shown to everyone: leave the address out of it, "
                    "e.g. Flat on Ikhsanova St."
                ),
            )
        return data


class SpaceForm(forms.ModelForm):
    class Meta:
        model = Space
        fields = ["name", "places", "blocked", "floor_area_m2"]
        formfield_callback = bounded_formfield
        error_messages = {
            "floor_area_m2": {
                "min_value": _("The floor area must be a positive number of m², e.g. 120."),
            },
        }
        widgets = {
            "places": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            "blocked": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            "floor_area_m2": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Places may be left empty when a floor area is given: the Sphere minimum fills it in.
        self.fields["places"].required = False
        self.fields["blocked"].required = False
        area = self.instance.floor_area_m2
        if area:
            self.fields["places"].help_text = _(
                "Sphere minimum for %(area)s m²: up to %(warm)d people, %(cold)d in cold weather."
            ) % {
                "area": area,
                "warm": sphere_capacity(area, cold=False),
                "cold": sphere_capacity(area, cold=True),
            }

    @property
    def summary_name(self) -> str:
        """Which row, in the error summary at the top of the page."""
        return self.instance.name if self.instance.pk else str(_("New space"))

    def clean_blocked(self) -> int:
        return self.cleaned_data.get("blocked") or 0

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("places") is None:
            area = data.get("floor_area_m2")
            if not area:
                self.add_error("places", _("Give the number of places, or the floor area."))
                return data
            data["places"] = sphere_capacity(area, cold=settings.SHELTER_COLD_CLIMATE)
        people = self.instance.occupied + self.instance.held
        if data["places"] < people + data.get("blocked", 0):
            self.add_error(
                "places",
                ngettext(
                    "%(people)d person is here or expected and %(blocked)d places are blocked: "
                    "places cannot be fewer than %(min)d.",
                    "%(people)d people are here or expected and %(blocked)d places are blocked: "
                    "places cannot be fewer than %(min)d.",
                    people,
                )
                % {
                    "people": people,
                    "blocked": data.get("blocked", 0),
                    "min": people + data.get("blocked", 0),
                },
            )
        return data


class BaseSpaceFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            space = form.instance
            if space.pk and space.occupied + space.held:
                raise ValidationError(
                    ngettext(
                        "%(space)s cannot be removed: %(people)d person is there or expected.",
                        "%(space)s cannot be removed: %(people)d people are there or expected.",
                        space.occupied + space.held,
                    )
                    % {"space": space.name, "people": space.occupied + space.held}
                )


SpaceFormSet = forms.inlineformset_factory(
    Shelter,
    Space,
    form=SpaceForm,
    formset=BaseSpaceFormSet,
    extra=2,
    can_delete=True,
    max_num=200,
    validate_max=True,
)


class StatusActionForm(forms.Form):
    """Open, mark full, standby or close: one button each, on the shelter page and panel."""

    action = forms.ChoiceField(choices=StatusAction.choices)


def status_done_message(shelter: Shelter, *, action: StatusAction, people: int) -> str:
    """What the action did, in words: `people` are those checked in or expected there."""
    if action == StatusAction.FULL:
        return _(
            "%(shelter)s is marked full: nobody new is offered its places; people held or "
            "checked in still come and go. Open it again when it can take people."
        ) % {"shelter": shelter.name}
    if action == StatusAction.STANDBY:
        if not people:
            return _("%(shelter)s is on standby: it takes nobody until it is opened.") % {
                "shelter": shelter.name
            }
        return ngettext(
            "%(shelter)s is on standby: nobody new is offered its places. The %(people)d "
            "person checked in or expected stays; check-out works as usual.",
            "%(shelter)s is on standby: nobody new is offered its places. The %(people)d "
            "people checked in or expected stay; check-out works as usual.",
            people,
        ) % {"shelter": shelter.name, "people": people}
    return _("%(shelter)s is now %(status)s.") % {
        "shelter": shelter.name,
        "status": shelter.get_status_display(),
    }
