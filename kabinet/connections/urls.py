from django.urls import URLPattern, path

from . import signing, views

app_name = "connections"
urlpatterns: list[URLPattern] = [
    path("", views.application_list, name="list"),
    path("new/", views.application_new, name="new"),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("<int:pk>/step/<slug:step>/", views.application_step, name="step"),
    path("<int:pk>/documents/", views.application_documents, name="documents"),
    path("<int:pk>/review/", views.application_review, name="review"),
    path("<int:pk>/pay/", views.application_pay, name="pay"),
    path("<int:pk>/issued/<int:issued_pk>/sign/", signing.sign_start, name="sign"),
    path("<int:pk>/issued/<int:issued_pk>/sign/code/", signing.sign_confirm, name="sign_confirm"),
    path(
        "<int:pk>/issued/<int:issued_pk>/sign/certificate/",
        signing.sign_certificate,
        name="sign_certificate",
    ),
]
