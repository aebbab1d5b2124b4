"""Root URLconf: it lives in `coordination`, which may include both apps."""

from django.contrib import admin
from django.urls import include, path

from .alerts import views as alerts
from .api import api, api_index, shelters_csv, shelters_list
from .households import views as households
from .lockouts import views as lockouts
from .meals import views as meals
from .offers import urls as offers
from .offline import views as offline
from .views import dashboard, health, public, start

coordination_patterns = (
    [
        path("households/new/", households.household_register, name="register"),
        path("households/waiting/", households.waiting_list, name="waiting"),
        path("households/<int:pk>/", households.household_detail, name="household"),
        path("households/<int:pk>/place/", households.household_find_place, name="find_place"),
        path("households/<int:pk>/hold/", households.household_hold, name="hold"),
        path("households/<int:pk>/check-in/", households.household_check_in, name="check_in"),
        path("stays/<int:pk>/check-out/", households.stay_check_out, name="check_out"),
        path(
            "stays/<int:pk>/undo-check-out/",
            households.stay_check_out_undo,
            name="check_out_undo",
        ),
        path("stays/<int:pk>/move/", households.stay_move, name="move"),
        path("holds/<int:pk>/release/", households.hold_release, name="hold_release"),
        path("meals/", meals.meals_today, name="meals"),
        path("meals/mine/", meals.meal_offers_mine, name="meals_mine"),
        path("meals/new/", meals.meal_offer_edit, name="meal_new"),
        path("meals/<int:pk>/edit/", meals.meal_offer_edit, name="meal_edit"),
        path("meals/<int:pk>/cancel/", meals.meal_offer_cancel, name="meal_cancel"),
        path("meals/<int:pk>/claim/", meals.meal_claim, name="meal_claim"),
        path("meals/claims/<int:pk>/release/", meals.meal_claim_release, name="claim_release"),
        path("dashboard/", dashboard.dashboard, name="dashboard"),
        path("dashboard/shelters/<int:pk>/", dashboard.dashboard_shelter, name="dashboard_shelter"),
        path(
            "dashboard/shelters/<int:pk>/status/",
            dashboard.dashboard_shelter_status,
            name="dashboard_status",
        ),
        path(
            "dashboard/shelters/<int:pk>/members/",
            dashboard.dashboard_member_assign,
            name="dashboard_member_assign",
        ),
        path(
            "dashboard/members/<int:pk>/remove/",
            dashboard.dashboard_member_remove,
            name="dashboard_member_remove",
        ),
        path("dashboard/logins/", lockouts.logins_locked, name="logins_locked"),
        path("dashboard/logins/unlock/", lockouts.login_unlock, name="login_unlock"),
        path("dashboard/export/shelters.csv", dashboard.export_shelters, name="export_shelters"),
        path(
            "dashboard/export/shelters-hxl.csv",
            dashboard.export_shelters_hxl,
            name="export_shelters_hxl",
        ),
        path("dashboard/export/occupancy.csv", dashboard.export_history, name="export_history"),
        path(
            "dashboard/export/households/",
            dashboard.export_households,
            name="export_households",
        ),
        *offers.coordination_patterns,
        path("alerts/", alerts.alerts_open, name="alerts"),
        path("alerts/<int:pk>/acknowledge/", alerts.alert_acknowledge, name="alert_acknowledge"),
    ],
    "coordination",
)

urlpatterns = [
    path("", public.shelter_list, name="home"),
    path("s/<int:pk>/", public.shelter_detail, name="public_shelter"),
    path("about/", public.about, name="about"),
    *offers.public_patterns,
    path("", include("coordination.asks.urls")),
    path("", include("coordination.kit.urls")),
    path("language/<str:code>/", public.choose_language, name="choose_language"),
    path("api/v1/shelters.csv", shelters_csv, name="shelters_csv"),
    path("api/v1/", api_index, name="api_index"),  # before the API's own root, a 404
    # The API's own operation for this address is its contract; this view answers it faster.
    path("api/v1/shelters/", shelters_list, name="api_shelters_list"),
    path("api/v1/", api.urls),
    path("shelters/", include("shelter.urls")),
    path("", include(coordination_patterns)),
    path("accounts/login/", start.LoginView.as_view(), name="login"),
    path("accounts/start/", start.start, name="start"),
    path("accounts/logout/", start.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", public.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("sw.js", offline.service_worker, name="service_worker"),
    path("manifest.webmanifest", offline.manifest, name="manifest"),
    # static/js/queue.js asks it by this address (the worker cannot reverse a URL).
    path("offline/state", offline.sending_state, name="offline_state"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
