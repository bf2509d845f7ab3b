from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kabinet.core.models import Announcement
from kabinet.identity.models import User

from .selectors import links_for


@login_required
def cabinet(request: HttpRequest) -> HttpResponse:
    """The cabinet's first page: the user's accounts, or an invitation to add one."""
    links = list(links_for(cast(User, request.user)))
    branch_ids = list({link.account.building.street.settlement.branch_id for link in links})
    announcements = Announcement.objects.current(branch_ids=branch_ids).filter(on_dashboard=True)[
        :5
    ]
    return render(
        request, "customers/cabinet.html", {"links": links, "announcements": announcements}
    )
