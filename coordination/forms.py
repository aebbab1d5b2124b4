"""Forms for registering households, placing them and the public filters (phone-first, crispy).

The meal forms are in coordination/meals/forms.py.
"""

import functools

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from shelter.forms import bounded_formfield
from shelter.models import Shelter, Space

from .models import MAX_HOUSEHOLD, Household
from .public import PublicFilters


def _helper(*layout, submit: str) -> FormHelper:
    helper = FormHelper()
    helper.layout = Layout(*layout)
    helper.add_input(Submit("save", submit, css_class="btn-lg w-100"))
    return helper


class HouseholdForm(forms.ModelForm):
    register_anyway = forms.BooleanField(
        required=False,
        widget=forms.HiddenInput,
        help_text=_("Set after the volunteer has seen a possible duplicate."),
    )

    class Meta:
        model = Household
        formfield_callback = bounded_formfield
        fields = [
            "contact_name",
            "size",
            "children",
            "women_children_only",
            "has_infant",
            "has_pets",
            "needs_wheelchair",
            "needs_medical",
            "languages",
            "phone",
            "arrived_from",
            "registered_at",
            "notes",
        ]
        widgets = {
            "size": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": 50}),
            "children": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 50}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "languages": _("e.g. Russian, Kazakh"),
            "phone": _("Optional: phone number or messenger handle"),
            "notes": _("Only what helps to place them; visible to coordinators and their shelter."),
        }

    def __init__(self, *args, shelters=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["children"].required = False  # empty means none
        shelters = shelters if shelters is not None else Shelter.objects.none()
        self.fields["registered_at"].queryset = shelters
        only = list(shelters[:2])
        if len(only) == 1 and not self.is_bound:
            self.initial["registered_at"] = only[0].pk
        self.helper = _helper(
            Fieldset(_("Who"), "contact_name", Div("size", "children")),
            Fieldset(
                _("Needs"),
                "women_children_only",
                "has_infant",
                "has_pets",
                "needs_wheelchair",
                "needs_medical",
            ),
            Fieldset(_("More"), "languages", "phone", "arrived_from", "registered_at", "notes"),
            "register_anyway",
            submit=_("Register and find a place"),
        )

    def clean_children(self) -> int:
        return self.cleaned_data.get("children") or 0

    def clean(self):
        data = super().clean()
        size, children = data.get("size"), data.get("children")
        if size is not None and children is not None and children > size:
            self.add_error("children", _("Children cannot be more than the whole group."))
        return data


class SpaceChoiceForm(forms.Form):
    """Pick a space: for a hold, a check-in or a move."""

    space = forms.ModelChoiceField(
        queryset=Space.objects.none(),
        label=_("Space"),
        error_messages={"invalid_choice": _("Choose one of the listed spaces.")},
    )

    def __init__(self, *args, spaces=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["space"].queryset = spaces if spaces is not None else Space.objects.all()
        self.fields["space"].label_from_instance = lambda space: (
            f"{space.shelter.name} / {space.name} ({space.free})"
        )


class WaitingFilterForm(forms.Form):
    """The waiting list's "who fits in" choice (GET). Anything but a shelter's id chooses none:
    "²" passes str.isdigit() but not int(), and ids past bigint find no row."""

    shelter = forms.ModelChoiceField(queryset=Shelter.objects.all(), required=False)

    def fitting(self) -> Shelter | None:
        return self.cleaned_data["shelter"] if self.is_valid() else None


class PublicFilterForm(forms.Form):
    """The public page's filters: plain GET parameters, so they work without JavaScript."""

    family = forms.BooleanField(required=False, label=_("We are a family"))
    women = forms.BooleanField(required=False, label=_("Women and children"))
    single_man = forms.BooleanField(required=False, label=_("A man on his own"))
    pet = forms.BooleanField(required=False, label=_("With a pet"))
    wheelchair = forms.BooleanField(required=False, label=_("Wheelchair"))
    group = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_HOUSEHOLD,
        label=_("Group of"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": MAX_HOUSEHOLD}),
        error_messages={"invalid": _("Enter how many people, e.g. 3.")},
    )
    district = forms.CharField(required=False, max_length=80, label=_("District"))

    def filters(self) -> PublicFilters:
        """The valid filters; an invalid one is left out (its message shows at the field)."""
        if not self.is_bound:
            return PublicFilters()
        self.is_valid()
        data = self.cleaned_data
        return PublicFilters(
            family=bool(data.get("family")),
            women_children=bool(data.get("women")),
            single_man=bool(data.get("single_man")),
            pets=bool(data.get("pet")),
            wheelchair=bool(data.get("wheelchair")),
            group=data.get("group"),
            district=data.get("district") or "",
        )


MEMO_QUERY_LENGTH = 200  # real filter addresses are short; longer ones are not remembered


@functools.lru_cache(maxsize=512)
def _memoised_public_filters(query_string: str) -> PublicFilters | None:
    form = PublicFilterForm(QueryDict(query_string) or None)
    return None if form.errors else form.filters()


def public_filters(query_string: str) -> PublicFilters | None:
    """The filters of a public page address, or None when one is invalid (the page then
    shows the visitor's input with the message at the field).

    Remembered per address: under a crowd the same few addresses come again and again, and
    building a form costs as much as the rest of serving a cached page.
    """
    if len(query_string) > MEMO_QUERY_LENGTH:
        return _memoised_public_filters.__wrapped__(query_string)
    return _memoised_public_filters(query_string)
