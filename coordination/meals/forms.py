"""Forms for posting meal offers and claiming portions (phone-first, crispy)."""

from crispy_forms.layout import Div, Fieldset
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shelter.forms import bounded_formfield
from shelter.models import Shelter

from ..forms import form_helper
from .models import MAX_PORTIONS, MealOffer, MealProvider


class MealOfferForm(forms.ModelForm):
    class Meta:
        model = MealOffer
        formfield_callback = bounded_formfield
        fields = [
            "provider",
            "shelter",
            "address",
            "city",
            "date",
            "starts_at",
            "ends_at",
            "portions",
            "hot_meal",
            "vegetarian",
            "halal",
            "for_children",
            "delivery",
            "contact",
            "public_notes",
            "notes",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "starts_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "ends_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "portions": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
            "contact": forms.TextInput(attrs={"type": "tel"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, providers=None, **kwargs):
        """`providers`: those the user posts for (every one for a coordinator)."""
        super().__init__(*args, **kwargs)
        field = self.fields["provider"]
        field.queryset = providers if providers is not None else MealProvider.objects.none()
        field.empty_label = None
        if len(field.queryset) == 1:  # the usual case: one's own organisation, nothing to choose
            field.widget = forms.HiddenInput()
            self.provider_name = field.queryset[0].name
        self.fields["shelter"].queryset = Shelter.objects.order_by("name")
        self.fields["shelter"].required = False
        self.helper = form_helper(
            Fieldset(_("Who and where"), "provider", "shelter", "address", "city"),
            Fieldset(_("When"), "date", Div("starts_at", "ends_at")),
            Fieldset(_("What"), "portions", "hot_meal", "vegetarian", "halal", "for_children"),
            Fieldset(_("How"), "delivery", "contact", "public_notes", "notes"),
            submit=_("Save offer"),
        )

    def clean_date(self):
        date = self.cleaned_data["date"]
        is_new_or_moved = self.instance.pk is None or "date" in self.changed_data
        if is_new_or_moved and date < timezone.localdate():
            raise forms.ValidationError(_("The date has passed: offer today or later."))
        return date

    def clean_portions(self):
        portions = self.cleaned_data["portions"]
        if portions < self.instance.claimed:
            raise forms.ValidationError(
                _("%(n)d portions are claimed already: offer at least that many.")
                % {"n": self.instance.claimed}
            )
        return portions

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The time window must end after it starts."))
        if not data.get("shelter") and not data.get("address"):
            self.add_error("address", _("Choose a shelter or give an address."))
        return data


class MealClaimForm(forms.Form):
    shelter = forms.ModelChoiceField(
        queryset=Shelter.objects.none(),
        label=_("For shelter"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    portions = forms.IntegerField(
        label=_("Portions"),
        min_value=1,
        max_value=MAX_PORTIONS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "class": "form-control"}),
    )
    # The form's one-time token: a retried post is recognised instead of claiming twice.
    submission = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("This form is out of date: reload the page and claim again."),
            "invalid": _("This form is out of date: reload the page and claim again."),
        },
    )

    def __init__(self, *args, shelters=None, remaining: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shelter"].queryset = (
            shelters if shelters is not None else Shelter.objects.none()
        )
        self.remaining = remaining

    def clean_portions(self):
        portions = self.cleaned_data["portions"]
        if self.remaining is not None and portions > self.remaining:
            raise forms.ValidationError(_("Only %(n)d portions are left.") % {"n": self.remaining})
        return portions
