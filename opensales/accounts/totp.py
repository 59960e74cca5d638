"""Two-factor sign-in with TOTP (authenticator apps): enrolment and verification."""

from django.shortcuts import render


def setup(request):
    return render(request, "accounts/totp_setup.html", {})


def verify(request):
    return render(request, "accounts/totp_verify.html", {})
