from django.urls import path

from . import views

app_name = "shelter"

urlpatterns = [
    path("mine/", views.shelter_mine, name="mine"),
    path("new/", views.shelter_create, name="create"),
    path("<int:pk>/", views.shelter_detail, name="detail"),
    path("<int:pk>/edit/", views.shelter_edit, name="edit"),
    path("<int:pk>/status/", views.shelter_set_status, name="set_status"),
]
