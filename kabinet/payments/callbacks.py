"""Server-to-server callbacks of the providers and the sandbox provider's hosted page."""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from kabinet.core.audit import audit

from .models import SandboxCharge
from .providers import CallbackRejected, ProviderUnavailable, get_provider, sandbox
from .services import NoticeRefused, payment_notice_apply

logger = logging.getLogger("kabinet.payments")


@csrf_exempt  # authenticated by the provider's signature or address instead (SECURITY.md 32)
@require_POST
def callback(request: HttpRequest, provider: str) -> HttpResponse:
    if provider not in settings.PAYMENT_PROVIDERS:
        raise Http404
    try:
        notices = get_provider(provider).parse_callback(request)
    except CallbackRejected as exc:
        with transaction.atomic():
            audit("payment.callback_rejected", request=request, provider=provider, reason=str(exc))
        return HttpResponse("rejected", status=403, content_type="text/plain")
    except ProviderUnavailable:
        return HttpResponse("try later", status=503, content_type="text/plain")
    for notice in notices:
        try:
            payment_notice_apply(provider=provider, notice=notice, via="callback", request=request)
        except NoticeRefused:
            return HttpResponse("refused", status=400, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


OUTCOMES = {"success", "failure", "pending"}


@require_http_methods(["GET", "POST"])
def sandbox_checkout(request: HttpRequest) -> HttpResponse:
    """The sandbox "bank": a hosted page with a card form. The card fields have no name, so
    the browser never sends them anywhere (the portal never sees card numbers)."""
    if "sandbox" not in settings.PAYMENT_PROVIDERS:
        raise Http404
    token = request.GET.get("t", "")
    try:
        params = sandbox.read_token(token)
    except signing.BadSignature as exc:
        raise Http404 from exc
    charge = SandboxCharge.objects.filter(order_id=params["order_id"]).first()
    outcome = request.POST.get("outcome", "")
    if (
        request.method == "POST"
        and outcome in OUTCOMES
        and (charge is None or charge.status == "pending")
    ):
        if charge is None:
            charge = SandboxCharge(
                order_id=params["order_id"],
                transaction_id="SBX-" + secrets.token_hex(8).upper(),
                amount=params["amount"],
                currency=params["currency"],
                callback_url=params["callback_url"],
            )
        charge.status = outcome
        charge.save()
        if not sandbox.deliver(charge):
            logger.warning("sandbox callback for %s not delivered", charge.order_id)
        back = params["return_url"]
        if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            return HttpResponseRedirect(back)
    return render(request, "payments/sandbox_checkout.html", {"params": params, "charge": charge})


urlpatterns: list[URLPattern] = [
    path("payments/callback/<str:provider>/", callback, name="callback"),
    path("payments/sandbox/checkout/", sandbox_checkout, name="sandbox_checkout"),
]
