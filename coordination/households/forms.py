"""Forms for registering households and placing them (phone-first, crispy)."""

from html import escape

from crispy_forms.layout import Div, Fieldset
from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.safestring import mark_safe
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


class SpaceChoiceIterator(ModelChoiceIterator):
    """The spaces as (id, "Shelter / Space (free places)"), read with one values query: a
    model instance per option (a volunteer's 200 spaces) cost more than the rest of the
    household page."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        rows = self.queryset.values_list(
            "pk", "shelter__name", "name", "places", "blocked", "held", "occupied"
        )
        for pk, shelter_name, name, places, blocked, held, occupied in rows:
            free = places - blocked - held - occupied  # Space.free
            yield (pk, f"{shelter_name} / {name} ({free})")


class Select(forms.Select):
    """A select of many options written in Python: the HTML of Django's select.html with an
    include of select_option.html for each option, without a template per option. Named
    Select as Django's is: crispy adds the widget's class name to its CSS classes."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = self.format_value(value)
        options = []
        selected = False
        for option_value, label in self.choices:
            option_value = "" if option_value is None else str(option_value)
            is_chosen = not selected and option_value in chosen
            selected = selected or is_chosen
            options.append(
                f'\n  <option value="{escape(option_value)}"{" selected" if is_chosen else ""}>'
                f"{escape(str(label))}</option>\n"
            )
        return mark_safe(  # noqa: S308  (every value escaped here)
            f'<select name="{escape(name)}"{_attrs_html(self.build_attrs(self.attrs, attrs))}>'
            + "".join(options)
            + "\n</select>"
        )


def _attrs_html(attrs: dict) -> str:
    """django/forms/widgets/attrs.html"""
    return "".join(
        f" {escape(key)}" if value is True else f' {escape(key)}="{escape(str(value))}"'
        for key, value in attrs.items()
        if value is not False
    )


class SpaceChoiceField(forms.ModelChoiceField):
    """A space, labelled "Shelter / Space (free places)"."""

    iterator = SpaceChoiceIterator
    widget = Select


class SpaceChoiceForm(forms.Form):
    """Pick a space: for a hold, a check-in or a move."""

    space = SpaceChoiceField(
        queryset=Space.objects.none(),
        label=_("Space"),
        error_messages={"invalid_choice": _("Choose one of the listed spaces.")},
    )

    def __init__(self, *args, spaces=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["space"].queryset = spaces if spaces is not None else Space.objects.all()


class WaitingFilterForm(forms.Form):
    """The waiting list's "who fits in" choice (GET). Anything but a shelter's id chooses none:
    "²" passes str.isdigit() but not int(), and ids past bigint find no row."""

    shelter = forms.ModelChoiceField(queryset=Shelter.objects.all(), required=False)

    def fitting(self) -> Shelter | None:
        return self.cleaned_data["shelter"] if self.is_valid() else None
