"""The shared crispy helper and the public page's filters (household forms:
coordination/households/forms.py; meals: coordination/meals/forms.py)."""

import functools

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from .models import MAX_HOUSEHOLD
from .public import PublicFilters


def form_helper(*layout, submit: str) -> FormHelper:
    """A crispy layout with one wide submit button, as every coordination form has."""
    helper = FormHelper()
    helper.layout = Layout(*layout)
    helper.add_input(Submit("save", submit, css_class="btn-lg w-100"))
    return helper


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
