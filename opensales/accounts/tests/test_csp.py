"""Content Security Policy with nonces, and no inline event handlers on the sign-in pages."""

from __future__ import annotations

import re

import pytest

from .conftest import make_device, password_login

pytestmark = pytest.mark.django_db

INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)


def _nonce(response) -> str:
    policy = response["Content-Security-Policy"]
    match = re.search(r"script-src 'self' 'nonce-([A-Za-z0-9_\-+/=]+)'", policy)
    assert match is not None, policy
    return match.group(1)


def test_login_page_scripts_carry_the_policy_nonce(client):
    response = client.get("/accounts/login/")
    nonce = _nonce(response)
    html = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts  # base.html loads htmx, Alpine and opensales.js
    assert all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_the_nonce_changes_per_response(client):
    assert _nonce(client.get("/accounts/login/")) != _nonce(client.get("/accounts/login/"))


def test_sign_in_pages_have_no_inline_event_handlers(cast, client, login):
    pages = [client.get("/accounts/login/").content.decode()]
    signed_in = login(cast["rep_sh1"])
    pages += [
        signed_in.get(url).content.decode() for url in ("/accounts/password/", "/accounts/two-factor/setup/")
    ]
    make_device(cast["rep_sh2"])
    password_login(client, "rep_sh2")
    pages.append(client.get("/accounts/two-factor/verify/").content.decode())
    assert len(pages) == 4
    for html in pages:
        assert "<form" in html
        assert INLINE_HANDLER.search(html) is None
        assert "javascript:" not in html
