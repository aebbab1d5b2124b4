"""The unlock button's form: which (user name, address) pair."""

from django import forms


class LoginUnlockForm(forms.Form):
    # As axes stored them: names are not stripped (the login form does not strip them either).
    username = forms.CharField(max_length=255, strip=False)
    ip_address = forms.GenericIPAddressField(required=False)
