"""Back office of the sign-up flows with records: consent texts and grants (DRSK), and the
verification of registration applications (KRESC): see the application and its signed file,
call, approve (an e-mailed registration code) or reject with a reason, or enter an application
signed in person at a service centre. Every staff step is audited by the service functions.

The pages hang under the admin site (its staff check and second factor apply); approving,
rejecting and entering need `identity.change_registrationapplication`, downloading the signed
file the view or change permission.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kabinet.core.admin import ReadOnlyAdmin
from kabinet.core.audit import audit

from . import signup_application as flow
from .codes import CodeThrottled
from .models import ConsentGrant, ConsentText, RegistrationApplication, User

Application = RegistrationApplication
OPEN = (Application.Status.NEW, Application.Status.APPROVED)
DATA_FIELDS = ["company_name", "tax_id", "offer", "email", "phones", "code_word", "contact_person"]


# --- Consent ----------------------------------------------------------------------------------


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    list_display = ["version", "published_at", "grant_count"]
    search_fields = ["version"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ConsentText]:
        return super().get_queryset(request).annotate(grant_count=Count("grants"))

    @admin.display(description=gettext_lazy("consents given"), ordering="grant_count")
    def grant_count(self, obj: Any) -> int:
        return int(getattr(obj, "grant_count", 0))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A version people consented to is a record: publish a new version instead.
        if obj is not None and obj.grants.exists():
            return ["version", "text", "text_ru", "text_en", "published_at"]
        return []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.grants.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(ConsentGrant)
class ConsentGrantAdmin(ReadOnlyAdmin):
    list_display = ["granted_at", "text", "user", "ip", "withdrawn_at"]
    list_filter = ["text", ("withdrawn_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "user__email", "=ip"]
    list_select_related = ["text", "user"]
    date_hierarchy = "granted_at"


# --- Registration applications ------------------------------------------------------------------


class ApplicationAdminForm(forms.ModelForm):
    upload = forms.FileField(
        label=gettext_lazy("Signed application"),
        required=False,
        help_text=gettext_lazy("Optional for an application signed at a service centre: a scan."),
    )

    class Meta:
        model = Application
        fields = DATA_FIELDS

    def clean_tax_id(self) -> str:
        return flow.tax_id_clean(self.cleaned_data["tax_id"])

    def clean_phones(self) -> str:
        return flow.phones_clean(self.cleaned_data["phones"])

    def clean_upload(self) -> Any:
        upload = self.cleaned_data.get("upload")
        if upload:
            flow.document_check(upload)
        return upload


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The customer receives it by e-mail."),
    )


@admin.register(RegistrationApplication)
class RegistrationApplicationAdmin(admin.ModelAdmin):
    form = ApplicationAdminForm
    list_display = [
        "created_at",
        "company_name",
        "tax_id",
        "email",
        "offer",
        "source",
        "status",
        "document_link",
    ]
    list_display_links = ["created_at", "company_name"]
    list_filter = ["status", "source", "offer"]
    search_fields = ["=tax_id", "company_name", "email"]
    date_hierarchy = "created_at"
    actions = ["approve_selected"]
    verification = [
        "status",
        "source",
        "document_link",
        "signature_check",
        "verify_buttons",
        "reject_reason",
        "reviewed_by",
        "reviewed_at",
        "user",
        "created_at",
    ]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return [(None, {"fields": [*DATA_FIELDS, "upload"]})]
        return [(None, {"fields": DATA_FIELDS}), (_("Verification"), {"fields": self.verification})]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        if obj.status != Application.Status.NEW:  # the code went to these data: keep them
            return [*DATA_FIELDS, *self.verification]
        return self.verification

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # what a customer submitted is never lost

    @admin.display(description=gettext_lazy("signed application"))
    def document_link(self, obj: Application) -> str:
        if not obj.document:
            return "—"
        url = reverse("admin:identity_registrationapplication_document", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))

    @admin.display(description=gettext_lazy("e-signature check"))
    def signature_check(self, obj: Application) -> str:
        """The signed file verified by the documents' signature service (SECURITY.md 26)."""
        from kabinet.documents.verify.display import file_verify, verdict_html

        return verdict_html(file_verify(obj.document)) if obj.document else "—"

    @admin.display(description=gettext_lazy("verification"))
    def verify_buttons(self, obj: Application) -> str:
        if obj.status not in OPEN:
            return "—"
        approve = reverse("admin:identity_registrationapplication_approve", args=[obj.pk])
        reject = reverse("admin:identity_registrationapplication_reject", args=[obj.pk])
        label = _("Send a new code") if obj.status == Application.Status.APPROVED else _("Approve")
        return format_html(
            '<a class="button" href="{}">{}</a> <a class="button" href="{}">{}</a>',
            approve,
            label,
            reject,
            _("Reject"),
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        staff = request.user
        assert isinstance(staff, User)
        if not change:
            flow.application_enter(
                application=obj,
                document=form.cleaned_data.get("upload"),
                staff=staff,
                request=request,
            )
            return
        super().save_model(request, obj, form, change)
        audit("application.changed", request=request, obj=obj, fields=form.changed_data)

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        name = "identity_registrationapplication"
        return [
            path("<int:pk>/approve/", wrap(self.approve_view), name=f"{name}_approve"),
            path("<int:pk>/reject/", wrap(self.reject_view), name=f"{name}_reject"),
            path("<int:pk>/document/", wrap(self.document_view), name=f"{name}_document"),
            *super().get_urls(),
        ]

    def _changeable(self, request: HttpRequest, pk: int) -> Application:
        application = get_object_or_404(Application, pk=pk)
        if not self.has_change_permission(request, application):
            raise PermissionDenied
        return application

    def _page(self, request: HttpRequest, template: str, **context: Any) -> HttpResponse:
        values = {**self.admin_site.each_context(request), "opts": self.model._meta, **context}
        return TemplateResponse(request, template, values)

    def _back(self, application: Application) -> HttpResponse:
        return redirect("admin:identity_registrationapplication_change", application.pk)

    def approve_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        application = self._changeable(request, pk)
        if application.status not in OPEN:
            messages.error(request, _("This application is already closed."))
            return self._back(application)
        if request.method == "POST":
            if self._approve(request, application):
                messages.success(
                    request, _("Approved: the registration code was e-mailed to the customer.")
                )
            return self._back(application)
        return self._page(
            request,
            "identity/registration_approve.html",
            application=application,
            title=_("Approve the application"),
        )

    def _approve(self, request: HttpRequest, application: Application) -> bool:
        staff = request.user
        assert isinstance(staff, User)
        try:
            flow.application_approve(application=application, staff=staff, request=request)
        except CodeThrottled:
            messages.error(
                request,
                _("%(name)s: a code was sent a moment ago. Try again in a minute.")
                % {"name": application.company_name},
            )
        except flow.ApplicationStateError:
            messages.error(
                request,
                _("%(name)s: the application is already closed.")
                % {"name": application.company_name},
            )
        else:
            return True
        return False

    def reject_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        application = self._changeable(request, pk)
        if application.status not in OPEN:
            messages.error(request, _("This application is already closed."))
            return self._back(application)
        form = RejectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            staff = request.user
            assert isinstance(staff, User)
            flow.application_reject(
                application=application,
                staff=staff,
                reason=form.cleaned_data["reason"],
                request=request,
            )
            messages.success(request, _("Rejected: the reason was e-mailed to the customer."))
            return self._back(application)
        return self._page(
            request,
            "identity/registration_reject.html",
            application=application,
            form=form,
            title=_("Reject the application"),
        )

    def document_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        """The signed file, as an attachment that the browser must not sniff or render."""
        application = get_object_or_404(Application, pk=pk)
        if not self.has_view_permission(request, application):
            raise PermissionDenied
        if not application.document:
            raise Http404
        audit("application.document_downloaded", request=request, obj=application)
        name = application.document.name or ""
        extension = name[name.rfind(".") :] if "." in name else ""
        response = FileResponse(
            application.document.open("rb"),
            as_attachment=True,
            filename=f"application-{application.pk}{extension}",
            content_type="application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response

    @admin.action(
        description=gettext_lazy("Approve and e-mail registration codes"),
        permissions=["change"],
    )
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        approved = sum(
            self._approve(request, application) for application in queryset.filter(status__in=OPEN)
        )
        if approved:
            self.message_user(
                request, _("Approved: %(n)d. The codes were e-mailed.") % {"n": approved}
            )
