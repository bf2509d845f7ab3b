from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from kabinet.core.models import Announcement
from kabinet.identity.models import User

from .selectors import links_for


@login_required
def cabinet(request: HttpRequest) -> HttpResponse:
    """The cabinet's first page: the first account's dashboard, or an invitation to add one."""
    first = links_for(cast(User, request.user)).first()
    if first is not None:
        return redirect("customers:dashboard", first.account_id)
    announcements = Announcement.shown(on="dashboard", limit=5)
    return render(request, "customers/cabinet.html", {"links": [], "announcements": announcements})
