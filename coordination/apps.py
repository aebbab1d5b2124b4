from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coordination"
    verbose_name = _("Coordination")

    def ready(self) -> None:
        from shelter import sections as shelter_sections

        from . import (
            ratelimit,  # noqa: F401  (its system check, its sync after a response)
            receivers,  # noqa: F401  (connects the signal listeners)
        )
        from .accounts import receivers as account_receivers  # noqa: F401  (language at login)
        from .alerts import receivers as alert_receivers  # noqa: F401  (alerts, their tasks)
        from .households.views import shelter_arrivals_section
        from .offers import tasks as offer_tasks  # noqa: F401  (its periodic tasks)

        shelter_sections.register(shelter_arrivals_section)  # arrivals on the shelter's page
