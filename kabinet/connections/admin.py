"""The back office for connection engineers: the queue of applications, and one action page per
step (register, return for correction, reject, issue a document, next stage, record the
payment), each gated by its own permission and audited by its service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kabinet.core.audit import audit
from kabinet.identity.models import User

from . import services
from .forms import IssueForm, NextStageForm, PaymentForm, RegisterForm, RejectForm, ReturnForm
from .models import (
    NEXT_STAGE,
    ApplicationDocument,
    ApplicationVersion,
    ConnectionApplication,
    IssuedDocument,
    Stage,
    StageEvent,
)


def _register(app: ConnectionApplication, staff: User, data: dict[str, Any], **kw: Any) -> Any:
    return services.application_register(
        application=app, staff=staff, registration_number=data["registration_number"], **kw
    )


def _return(app: ConnectionApplication, staff: User, data: dict[str, Any], **kw: Any) -> Any:
    return services.application_return(
        application=app,
        staff=staff,
        comment=data["comment"],
        fields=data["reopen_fields"],
        documents=data["reopen_documents"],
        **kw,
    )


def _reject(app: ConnectionApplication, staff: User, data: dict[str, Any], **kw: Any) -> Any:
    return services.application_reject(application=app, staff=staff, reason=data["reason"], **kw)


def _next(app: ConnectionApplication, staff: User, data: dict[str, Any], **kw: Any) -> Any:
    return services.application_stage_next(
        application=app, staff=staff, comment=data["comment"], **kw
    )


def _issue(app: ConnectionApplication, staff: User, data: dict[str, Any], **kw: Any) -> Any:
    form = kw.pop("form")
    return services.application_document_issue(
        application=app,
        staff=staff,
        kind=data["kind"],
        upload=data["file"],
        content_type=form.content_type,
        signable=data["signable"],
        fee_amount=data["fee_amount"],
        **kw,
    )


def _payment(app: ConnectionApplication, staff: User, data: dict[str, Any], **kw: Any) -> Any:
    return services.connection_payment_confirmed(
        application=app, payment_reference=data["payment_reference"], actor=staff, **kw
    )


OPEN = tuple(s for s in Stage.values if s not in (Stage.DRAFT, Stage.COMPLETED, Stage.REJECTED))
ACTIONS: dict[str, tuple[Any, type[forms.Form], Callable[..., Any], tuple[str, ...], str]] = {
    "register": (
        gettext_lazy("Register"),
        RegisterForm,
        _register,
        (Stage.SUBMITTED,),
        "register_application",
    ),
    "return": (
        gettext_lazy("Return for correction"),
        ReturnForm,
        _return,
        (Stage.SUBMITTED, Stage.REGISTERED, Stage.UNDER_REVIEW),
        "return_application",
    ),
    "issue": (
        gettext_lazy("Attach an issued document"),
        IssueForm,
        _issue,
        tuple(s for s in OPEN if s != Stage.RETURNED),
        "issue_document",
    ),
    "next": (
        gettext_lazy("Move to the next stage"),
        NextStageForm,
        _next,
        tuple(NEXT_STAGE),
        "move_stage",
    ),
    "payment": (
        gettext_lazy("Record the payment"),
        PaymentForm,
        _payment,
        (Stage.AWAITING_PAYMENT,),
        "confirm_payment",
    ),
    "reject": (gettext_lazy("Reject"), RejectForm, _reject, OPEN, "reject_application"),
}


def _allowed(request: HttpRequest, application: ConnectionApplication, name: str) -> bool:
    _label, _form, _run, stages, permission = ACTIONS[name]
    return application.stage in stages and request.user.has_perm(f"connections.{permission}")


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Whoever may see the application sees its stages, files, signatures, versions."""
        return request.user.has_perm("connections.view_connectionapplication")


def _file_link(app_pk: int, document_pk: int, name: str) -> SafeString:
    url = reverse("admin:connections_connectionapplication_file", args=[app_pk, document_pk])
    return format_html('<a href="{}">{}</a>', url, name)


class EventInline(ReadOnlyInline):
    model = StageEvent
    fields = readonly_fields = ("stage", "at", "actor", "comment")

    def get_queryset(self, request: HttpRequest) -> QuerySet[StageEvent]:
        return super().get_queryset(request).select_related("actor")


class DocumentInline(ReadOnlyInline):
    model = ApplicationDocument
    fields = readonly_fields = ("kind", "file_link", "scan", "superseded", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApplicationDocument]:
        return super().get_queryset(request).select_related("document")

    @admin.display(description=gettext_lazy("file"))
    def file_link(self, obj: ApplicationDocument) -> SafeString:
        return _file_link(obj.application_id, obj.document_id, obj.document.original_name)

    @admin.display(description=gettext_lazy("virus scan"))
    def scan(self, obj: ApplicationDocument) -> str:
        return obj.document.get_scan_status_display()


class IssuedInline(ReadOnlyInline):
    model = IssuedDocument
    fields = readonly_fields = ("kind", "file_link", "issued_at", "issued_by", "signatures")

    def get_queryset(self, request: HttpRequest) -> QuerySet[IssuedDocument]:
        return (
            super()
            .get_queryset(request)
            .select_related("document", "issued_by")
            .prefetch_related(
                "document__simple_signatures__user", "document__certificate_signatures"
            )
        )

    @admin.display(description=gettext_lazy("file"))
    def file_link(self, obj: IssuedDocument) -> SafeString:
        return _file_link(obj.application_id, obj.document_id, obj.document.original_name)

    @admin.display(description=gettext_lazy("signatures"))
    def signatures(self, obj: IssuedDocument) -> SafeString | str:
        simple = [
            (_("SMS code"), s.user.get_username(), f"{s.signed_at:%Y-%m-%d %H:%M}", s.sha256[:16])
            for s in obj.document.simple_signatures.all()
        ]
        certificate = [
            (_("Certificate"), c.signer_name, c.get_result_display(), c.algorithm)
            for c in obj.document.certificate_signatures.all()
        ]
        if not simple and not certificate:
            return _("to be signed") if obj.document.signable else "—"
        return format_html_join("<br>", "{} · {} · {} · {}", [*simple, *certificate])


class VersionInline(ReadOnlyInline):
    model = ApplicationVersion
    fields = readonly_fields = ("number", "created_at", "data")


@admin.register(ConnectionApplication)
class ConnectionApplicationAdmin(admin.ModelAdmin[ConnectionApplication]):
    list_display = (
        "number",
        "registration_number",
        "applicant_name",
        "object_address",
        "max_power_kw",
        "stage",
        "stage_at",
        "utility_due",
    )
    list_filter = ("stage", "connection_type", "applicant_kind")
    search_fields = ("number", "registration_number", "applicant_name", "user__username")
    list_select_related = ("user",)
    ordering = ("stage_at",)
    change_form_template = "connections/admin_change_form.html"
    inlines = [EventInline, DocumentInline, IssuedInline, VersionInline]
    fieldsets = [
        (None, {"fields": ("number", "stage", "stage_at", "user")}),
        (
            gettext_lazy("Application"),
            {
                "fields": (
                    "applicant_kind",
                    "applicant_name",
                    "contact_name",
                    "contact_phone",
                    "contact_email",
                    "by_representative",
                    "object_name",
                    "object_address",
                    "cadastral_number",
                    "purpose",
                    "connection_type",
                    "max_power_kw",
                    "existing_power_kw",
                    "voltage",
                    "reliability",
                    "planned_date",
                    "version",
                )
            },
        ),
        (
            gettext_lazy("Utility"),
            {
                "fields": (
                    "registration_number",
                    "registered_at",
                    "submitted_at",
                    "return_comment",
                    "reopened_fields",
                    "reopened_documents",
                    "rejection_reason",
                    "fee_amount",
                    "payment_reference",
                    "paid_at",
                )
            },
        ),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f for _name, opts in self.fieldsets for f in opts["fields"]]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ConnectionApplication]:
        return super().get_queryset(request).exclude(stage=Stage.DRAFT)  # drafts are private

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("the utility must act by"))
    def utility_due(self, obj: ConnectionApplication) -> Any:
        return obj.utility_due() or "—"

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        """The change page, with buttons for the actions this staff member may take now."""
        application = self.get_object(request, object_id) if object_id else None
        buttons = []
        if application is not None:
            buttons = [
                (
                    reverse(
                        "admin:connections_connectionapplication_act", args=[application.pk, n]
                    ),
                    ACTIONS[n][0],
                )
                for n in ACTIONS
                if _allowed(request, application, n)
            ]
        extra = {**(extra_context or {}), "connection_actions": buttons}
        return super().changeform_view(request, object_id, form_url, extra)

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        name = "connections_connectionapplication"
        return [
            path("<int:pk>/act/<slug:action>/", wrap(self.act_view), name=f"{name}_act"),
            path("<int:pk>/file/<int:document_pk>/", wrap(self.file_view), name=f"{name}_file"),
            *super().get_urls(),
        ]

    def act_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        application = get_object_or_404(self.get_queryset(request), pk=pk)
        if action not in ACTIONS:
            raise Http404
        if not _allowed(request, application, action):
            raise PermissionDenied
        label, form_class, run, _stages, _permission = ACTIONS[action]
        form = form_class(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            staff = cast(User, request.user)
            try:
                run(
                    application,
                    staff,
                    form.cleaned_data,
                    request=request,
                    **({"form": form} if action == "issue" else {}),
                )
            except services.StageError:
                messages.error(request, _("The application has moved on meanwhile: look again."))
            else:
                messages.success(request, _("Done: %(action)s.") % {"action": label})
            return redirect("admin:connections_connectionapplication_change", application.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "application": application,
            "form": form,
            "title": label,
        }
        return TemplateResponse(request, "connections/admin_action.html", context)

    def file_view(self, request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
        application = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_permission(request, application):
            raise PermissionDenied
        ids = {d.document_id for d in application.documents.all()} | {
            d.document_id for d in application.issued.all()
        }
        if document_pk not in ids:
            raise Http404
        from kabinet.documents.models import StoredDocument

        document = get_object_or_404(StoredDocument, pk=document_pk)
        if not document.released:
            raise Http404
        audit("connection.file_read", request=request, obj=application, document=document.pk)
        response = FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.original_name,
            content_type="application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
