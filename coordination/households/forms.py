"""Forms for registering households and placing them (phone-first, crispy)."""

from crispy_forms.layout import Div, Fieldset
from django import forms
from django.utils.translation import gettext_lazy as _

from shelter.forms import bounded_formfield
from shelter.models import Shelter, Space

from ..forms import form_helper
from ..models import Household


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
        self.helper = form_helper(
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
