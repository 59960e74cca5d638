from django.urls import path

from . import totp, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("two-factor/setup/", totp.setup, name="totp_setup"),
    path("two-factor/confirm/", totp.confirm, name="totp_confirm"),
    path("two-factor/disable/", totp.disable, name="totp_disable"),
    path("two-factor/verify/", totp.verify, name="totp_verify"),
]
