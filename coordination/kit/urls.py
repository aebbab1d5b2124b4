"""The printed kit: public, no login (included at the root by coordination/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("kit/poster/", views.poster, name="kit_poster"),
    path("kit/list/", views.shelter_list_print, name="kit_list"),
    path("slip/<str:token>/", views.hold_slip, name="hold_slip"),
]
