from django.urls import URLPattern, path

from . import (
    account_settings,
    office,
    recovery_email,
    signup_application,
    signup_business,
    signup_company,
    signup_status,
    staff_otp,
    views,
)

app_name = "identity"
urlpatterns: list[URLPattern] = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("signup/", views.signup_choice, name="signup"),
    path("signup/phone/", views.signup_phone, name="signup_phone"),
    path("signup/confirm/", views.signup_confirm, name="signup_confirm"),
    path("code/resend/", views.code_resend, name="code_resend"),
    path("recovery/", views.recovery_choice, name="recovery"),
    path("recovery/sms/", views.recovery_sms, name="recovery_sms"),
    path("recovery/sms/confirm/", views.recovery_sms_confirm, name="recovery_sms_confirm"),
    path("first-password/", views.first_password, name="first_password"),
    path("settings/password/", views.password_change, name="password_change"),
]
# One module per flow of the seed portals, each with its forms, service functions and views.
for flow in (
    signup_business,  # DTEK: phone + personal account + EDRPOU, SMS code
    signup_company,  # KrasKom: company with e-mail activation and a captcha
    recovery_email,  # DRSK, KrasKom: a reset link by e-mail
    signup_status,  # DRSK: consent first, status, login by SNILS or INN
    signup_application,  # KRESC: signed application, staff verification, registration code
    office,  # KrasKom households, DRSK service centre: credentials issued by staff
    account_settings,  # Settings → Account: contacts, sessions, consent, my data
    staff_otp,  # TOTP for the back office
):
    urlpatterns += flow.urlpatterns
