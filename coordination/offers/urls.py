"""The offers' URLs: public ones (included at the root) and coordinators' (in the
coordination namespace)."""

from django.urls import path

from . import views

public_patterns = [
    path("offer/", views.offer_form, name="offer"),
    path("offer/sent/", views.offer_sent, name="offer_sent"),
    path("host/<str:token>/", views.host_page, name="host"),
]

coordination_patterns = [
    path("dashboard/offers/", views.offers_list, name="offers"),
    path("dashboard/offers/<int:pk>/", views.offer_detail, name="offer"),
    path("dashboard/offers/<int:pk>/act/", views.offer_action, name="offer_action"),
    path("dashboard/follow-ups/<int:pk>/", views.follow_up_record, name="follow_up"),
]
