from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShelterConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "shelter"
    verbose_name = _("Shelters")
