"""Where a login lands when it was not sent from a page (a `next` parameter still wins)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from ..access import start_page_for


@login_required
def start(request):
    return redirect(start_page_for(request.user))
