"""/ask/: public, no login (included at the root by coordination/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("ask/", views.ask_new, name="ask"),
    path("ask/s/<str:token>/", views.ask_status, name="ask_status"),
    path("ask/s/<str:token>/cancel/", views.ask_cancel, name="ask_cancel"),
]
