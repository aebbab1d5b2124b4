from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coordination"
    verbose_name = _("Coordination")

    def ready(self) -> None:
        from .alerts import receivers  # noqa: F401  (connects the signal listener, loads tasks)
