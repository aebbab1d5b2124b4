"""The public offer form and the coordinators' small forms."""

import re
from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shelter.forms import bounded_formfield

from .models import MAX_OFFER_PLACES, FollowUpOutcome, HostOffer, OfferStatus

FURTHEST_START_DAYS = 365  # an offer for further ahead than a year is a typo


class OfferForm(forms.ModelForm):
    """What a resident offers. Plain text only (the model's validators), lengths bounded,
    and a honeypot: `website` is hidden from people, so only a robot fills it in."""

    website = forms.CharField(
        label=_("Leave this empty"), required=False, max_length=200, strip=False
    )

    class Meta:
        model = HostOffer
        formfield_callback = bounded_formfield
        fields = [
            "name",
            "contact",
            "kind",
            "places",
            "available_from",
            "available_until",
            "city",
            "district",
            "address",
            "accepts_families",
            "women_children_only",
            "men_only",
            "pets_allowed",
            "wheelchair_accessible",
            "smoking_allowed",
            "languages",
            "notes",
        ]
        widgets = {
            "contact": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "kind": forms.RadioSelect,
            "places": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "available_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "available_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "available_until": _("Leave empty if you do not know yet."),
            "languages": _("e.g. Russian, Kazakh"),
            "notes": _("Stairs, a child's cot, how to reach you best. No links, please."),
        }
        error_messages = {
            "places": {
                "min_value": _("Offer at least one place."),
                "max_value": _("A home can offer %(limit_value)s places at most here."),
                "invalid": _("Enter a whole number, e.g. 2."),
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = HostOffer.Kind.choices  # no empty "------" choice
        for name, field in self.fields.items():
            if name in self.Meta.fields:  # plain text only: the model's validators, here
                model_validators = HostOffer._meta.get_field(name).validators
                field.validators += [v for v in model_validators if v not in field.validators]
        self.fields["places"].help_text = _("Beds or sleeping places for guests, 1 to %(n)d.") % {
            "n": MAX_OFFER_PLACES
        }
        if not self.is_bound:
            self.initial.setdefault("available_from", timezone.localdate())

    def clean_contact(self) -> str:
        contact = " ".join(self.cleaned_data["contact"].split())
        digits = re.sub(r"\D", "", contact)
        if len(digits) < 5 and len(re.sub(r"[\s@]", "", contact)) < 3:
            raise forms.ValidationError(
                _("Give a phone number we can call, or your messenger name, e.g. @aigerim."),
                code="contact",
            )
        return contact

    def clean_available_from(self):
        day = self.cleaned_data["available_from"]
        today = timezone.localdate()
        if day < today - timedelta(days=1):  # a day of slack for a phone's clock
            raise forms.ValidationError(_("Choose today or a later day."), code="past")
        if day > today + timedelta(days=FURTHEST_START_DAYS):
            raise forms.ValidationError(_("Choose a day within the next year."), code="far")
        return max(day, today)

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(
                _(
                    "This form was filled in by a program, not a person: nothing was sent. "
                    "If you are a person, clear the field “Leave this empty” and send again."
                ),
                code="honeypot",
            )
        start, end = data.get("available_from"), data.get("available_until")
        if start and end and end < start:
            self.add_error("available_until", _("The last day cannot be before the first day."))
        if data.get("men_only") and data.get("women_children_only"):
            self.add_error(
                "men_only",
                _("Choose men only or women and children only, not both."),
            )
        return data

    def offer_data(self) -> dict:
        """The cleaned fields the service stores (the honeypot left out)."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def _post_clean(self):
        # No model full_clean: the service sets the code and phone key, and the constraints'
        # messages would repeat clean()'s, which say which field. The model's validators run
        # on the form's own fields instead (__init__).
        pass


class OfferRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (for the coordinators)"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_reason(self) -> str:
        from shelter.validators import validate_plain_text

        reason = self.cleaned_data["reason"]
        validate_plain_text(reason)
        return reason


class OfferFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *OfferStatus.choices],
    )
    district = forms.CharField(label=_("District"), required=False, max_length=80)

    def filters(self):
        from .selectors import OfferFilters

        if not self.is_bound:
            return OfferFilters()
        if not self.is_valid():
            return OfferFilters()
        return OfferFilters(
            status=self.cleaned_data["status"], district=self.cleaned_data["district"].strip()
        )


class FollowUpForm(forms.Form):
    outcome = forms.ChoiceField(choices=FollowUpOutcome.choices, widget=forms.RadioSelect)
