"""The /ask/ form: the person's own words, bounded and plain; rendered without crispy (the
public pages carry no Bootstrap)."""

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from shelter.forms import bounded_formfield
from shelter.validators import validate_plain_text

from ..models import Household
from .models import AskWhere

NAME_MAX = 60
HANDLE_MAX = 40
LANGUAGES_MAX = 80


class AskForm(forms.ModelForm):
    where_now = forms.ChoiceField(
        label=_("Where are you now?"),
        choices=AskWhere.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose where you are now.")},
    )
    consent = forms.BooleanField(
        label=_("I agree that the coordinators and volunteers see this to find us a place."),
        error_messages={"required": _("Tick this box so that volunteers may see your request.")},
    )
    # A honeypot: hidden from people (and from screen readers), filled in by form-filling bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta:
        model = Household
        formfield_callback = bounded_formfield
        fields = [
            "size",
            "children",
            "women_children_only",
            "has_infant",
            "has_pets",
            "needs_wheelchair",
            "needs_medical",
            "languages",
            "contact_name",
            "phone",
        ]
        labels = {
            "size": _("How many people are you, with yourself?"),
            "children": _("Of them, children under 18"),
            "women_children_only": _("We are women and children only"),
            "has_infant": _("With a baby"),
            "has_pets": _("With a pet"),
            "needs_wheelchair": _("Someone uses a wheelchair"),
            "needs_medical": _("Someone needs a doctor or medicine"),
            "languages": _("Languages you speak"),
            "contact_name": _("Your first name"),
            "phone": _("Phone or messenger (optional)"),
        }
        help_texts = {
            "languages": _("e.g. Russian, Kazakh"),
            "contact_name": _("Only so that volunteers can call you by name."),
            "phone": _("So that a volunteer can reach you; leave empty if you prefer."),
        }
        widgets = {
            "size": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "children": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "contact_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["children"].required = False  # empty means none
        for name, limit in (
            ("contact_name", NAME_MAX),
            ("phone", HANDLE_MAX),
            ("languages", LANGUAGES_MAX),
        ):
            field = self.fields[name]
            field.max_length = limit
            field.widget.attrs["maxlength"] = limit
            field.validators.append(MaxLengthValidator(limit))
        self.fields["size"].error_messages["required"] = _("Say how many people you are.")
        self.fields["contact_name"].error_messages["required"] = _(
            "Write a first name: volunteers will ask for it."
        )

    def clean_children(self) -> int:
        return self.cleaned_data.get("children") or 0

    def clean_website(self) -> str:
        value = self.cleaned_data.get("website", "")
        if value:
            raise forms.ValidationError(
                _("This field must stay empty. If you are a person, clear it and send again.")
            )
        return value

    def clean_languages(self) -> str:
        value = self.cleaned_data.get("languages", "")
        validate_plain_text(value)
        return value

    def clean(self):
        data = super().clean()
        size, children = data.get("size"), data.get("children")
        if size is not None and children is not None and children > size:
            self.add_error("children", _("Children cannot be more than the whole group."))
        return data
