"""Where a login lands when it was not sent from a page (a `next` parameter still wins)."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from shelter.redirects import next_url

from ..access import start_page_for


@login_required
def start(request):
    return redirect(start_page_for(request.user))


class NextFromRequestMixin:
    """`next` for Django's login and logout views decided by the site's one rule."""

    def get_redirect_url(self) -> str:
        target = next_url(self.request, "")
        # Django refuses (with an error) to send a logged-in user back to the login page.
        return "" if target.split("?")[0] == self.request.path else target


class LoginView(NextFromRequestMixin, auth_views.LoginView):
    redirect_authenticated_user = True


class LogoutView(NextFromRequestMixin, auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        # The offline app's kept pages and queued changes (coordination/offline/) leave the
        # phone with the volunteer, also when the page's script did not run.
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response
