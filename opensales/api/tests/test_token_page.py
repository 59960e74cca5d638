"""The "API tokens" page: every signed-in user manages their own tokens; the secret is shown once."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from opensales.api import services
from opensales.api.models import ApiToken
from opensales.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
PAGE = "/accounts/api-tokens/"


def form(**extra):
    return {"name": "报表同步", "scope": "read", "expires": "30", "password": "opensales-demo", **extra}


def test_urls():
    assert reverse("api_tokens:list") == PAGE
    assert reverse("api_tokens:create") == PAGE + "new/"
    assert reverse("api_tokens:revoke", kwargs={"pk": 7}) == PAGE + "7/revoke/"


def test_the_page_needs_a_signed_in_user(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/api-tokens/"


def test_the_page_lists_only_my_tokens(cast, login):
    mine, _ = services.token_create(actor=None, user=cast["rep_sh1"], name="我的令牌")
    services.token_create(actor=None, user=cast["rep_sh2"], name="别人的令牌")
    response = login(cast["rep_sh1"]).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert set(re.findall(r'data-row-id="(\d+)"', html)) == {str(mine.pk)}
    assert "别人的令牌" not in html
    assert f"<code>{mine.prefix}…</code>" in html


def test_creating_shows_the_secret_once_uncached_and_audits(cast, login):
    client = login(cast["rep_sh1"])
    response = client.post(reverse("api_tokens:create"), form())
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get()
    secret = re.search(r'data-testid="token-secret">(osk_[^<]+)</code>', response.content.decode()).group(1)
    assert services.check_secret(secret).token == token
    assert (token.name, token.scope, token.user) == ("报表同步", "read", cast["rep_sh1"])
    assert 29 * 86400 < (token.expires_at - token.created_at).total_seconds() <= 30 * 86400
    assert secret not in client.get(PAGE).content.decode()  # never again
    event = AuditEvent.objects.get(action="api.token_create")
    assert (event.actor_username, event.changes["factors"]) == ("rep_sh1", ["session", "password"])


def test_creating_needs_the_current_password(cast, login):
    response = login(cast["rep_sh1"]).post(
        reverse("api_tokens:create"), form(password="wrong-password-1"), **EN
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"password": ["The password is incorrect."]}
    assert ApiToken.objects.count() == 0
    assert b"token-secret" not in response.content


def test_never_expiring_and_read_write(cast, login):
    login(cast["rep_sh1"]).post(reverse("api_tokens:create"), form(expires="", scope="read_write"))
    assert ApiToken.objects.values_list("scope", "expires_at").get() == ("read_write", None)


def test_revoking_my_token(cast, login):
    token, _ = services.token_create(actor=None, user=cast["rep_sh1"], name="ci")
    client = login(cast["rep_sh1"])
    response = client.post(reverse("api_tokens:revoke", kwargs={"pk": token.pk}), **EN)
    assert response.status_code == 302
    assert response["Location"] == PAGE
    token.refresh_from_db()
    assert token.revoked_at is not None
    html = client.get(PAGE, **EN).content.decode()
    assert "The token “ci” was revoked." in html
    assert 'data-testid="token-revoke"' not in html
    assert 'data-testid="token-status">Revoked</span>' in html


def test_someone_elses_token_is_not_found(cast, login):
    token, _ = services.token_create(actor=None, user=cast["rep_sh2"], name="theirs")
    response = login(cast["rep_sh1"]).post(reverse("api_tokens:revoke", kwargs={"pk": token.pk}))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_get_is_not_allowed_on_the_writes(cast, login):
    client = login(cast["rep_sh1"])
    assert client.get(reverse("api_tokens:create")).status_code == 405
    assert client.get(reverse("api_tokens:revoke", kwargs={"pk": 1})).status_code == 405


def test_the_menu_link_snippet(cast, login):
    from django.template.loader import render_to_string

    html = render_to_string("api/_menu_link.html")
    assert 'href="/accounts/api-tokens/"' in html
