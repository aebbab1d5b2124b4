"""Root URLconf: it lives in `coordination`, which may include both apps."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from shelter import views as shelter_views

from .alerts import views as alerts
from .views import households, meals

coordination_patterns = (
    [
        path("households/new/", households.household_register, name="register"),
        path("households/waiting/", households.waiting_list, name="waiting"),
        path("households/<int:pk>/", households.household_detail, name="household"),
        path("households/<int:pk>/place/", households.household_find_place, name="find_place"),
        path("households/<int:pk>/hold/", households.household_hold, name="hold"),
        path("households/<int:pk>/check-in/", households.household_check_in, name="check_in"),
        path("stays/<int:pk>/check-out/", households.stay_check_out, name="check_out"),
        path("stays/<int:pk>/move/", households.stay_move, name="move"),
        path("holds/<int:pk>/release/", households.hold_release, name="hold_release"),
        path("meals/", meals.meals_today, name="meals"),
        path("meals/mine/", meals.meal_offers_mine, name="meals_mine"),
        path("meals/new/", meals.meal_offer_edit, name="meal_new"),
        path("meals/<int:pk>/edit/", meals.meal_offer_edit, name="meal_edit"),
        path("meals/<int:pk>/claim/", meals.meal_claim, name="meal_claim"),
        path("meals/claims/<int:pk>/release/", meals.meal_claim_release, name="claim_release"),
        path("alerts/", alerts.alerts_open, name="alerts"),
        path("alerts/<int:pk>/acknowledge/", alerts.alert_acknowledge, name="alert_acknowledge"),
    ],
    "coordination",
)

urlpatterns = [
    path("", shelter_views.home, name="home"),
    path("shelters/", include("shelter.urls")),
    path("", include(coordination_patterns)),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]
