"""The customer's choice of readings-window reminders: none (the default), SMS or e-mail."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from kabinet.customers.selectors import links_for
from kabinet.identity.models import User

from . import services
from .models import ReminderChoice, ReminderPreference


class ReminderForm(forms.Form):
    channel = forms.ChoiceField(
        label=gettext_lazy(
            "Remind me when the readings window opens and two days before it closes"
        ),
        choices=ReminderChoice.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.user = user

    def clean_channel(self) -> str:
        channel = self.cleaned_data["channel"]
        if channel != ReminderChoice.OFF and not services._recipient(self.user, channel):
            if channel == ReminderChoice.SMS:
                raise forms.ValidationError(_("Add a mobile phone in your settings first."))
            raise forms.ValidationError(_("Add an e-mail address in your settings first."))
        return channel


@login_required
@require_http_methods(["GET", "POST"])
def reminders(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    links = list(links_for(user))
    current = next(
        (link for link in links if str(link.account_id) == request.GET.get("account")), None
    )
    preference = ReminderPreference.objects.filter(user=user).first()
    initial = {"channel": preference.channel if preference else ReminderChoice.OFF}
    form = ReminderForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.reminder_preference_set(
            user=user, channel=form.cleaned_data["channel"], request=request
        )
        messages.success(request, _("Your choice of reminders is saved."))
        if current is not None:
            return redirect("metering:meters", current.account_id)
        return redirect("metering:reminders")
    return render(
        request,
        "metering/reminders.html",
        {"links": links, "current": current, "form": form},
        status=400 if form.errors else 200,
    )


urlpatterns: list[URLPattern] = [
    path("reminders/", reminders, name="reminders"),
]
