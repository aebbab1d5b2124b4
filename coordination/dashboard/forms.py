"""Forms of the dashboard's actions: assignments and the households export.

The status actions' form is the shelter page's own (shelter.forms.StatusActionForm).
"""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from shelter.models import MembershipRole


class MemberAssignForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "form-control"}),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=MembershipRole.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(
                _("Nobody with the user name %(name)s; check the spelling or create the account.")
                % {"name": username}
            )
        self.user = user
        return username


class HouseholdExportForm(forms.Form):
    # The keys of exports.HOUSEHOLD_STATUSES.
    status = forms.ChoiceField(
        label=_("Households"),
        choices=[
            ("waiting", _("Waiting")),
            ("placed", _("Placed")),
            ("active", _("Waiting or placed")),
            ("left", _("Left")),
            ("all", _("All")),
        ],
        initial="active",
    )
    personal_data = forms.BooleanField(
        label=_(
            "I understand this file holds names and phone numbers of people who may be at risk: "
            "I will keep it safe, share it with nobody who does not need it, and delete it "
            "when done."
        ),
        required=True,
    )
