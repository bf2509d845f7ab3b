from django.urls import URLPattern, path

from . import pdf_views, views

app_name = "documents"
urlpatterns: list[URLPattern] = [
    # Generated PDFs of billing data: invoices and reconciliation statements.
    *pdf_views.urlpatterns,
    # Stored documents (uploaded or issued) and their signatures.
    path("documents/<int:pk>/download/", views.download, name="download"),
    path("documents/<int:pk>/read/", views.read, name="read"),
    path("documents/<int:pk>/signature/", views.signature_page, name="signature"),
    path("documents/<int:pk>/stamped/", views.stamped, name="stamped"),
]
