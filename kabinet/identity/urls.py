from django.urls import path

from . import views

app_name = "identity"
urlpatterns = [
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
    path("settings/", views.account_settings, name="settings"),
    path("settings/password/", views.password_change, name="password_change"),
]
