"""Personal access tokens: create (password, lockout, two-factor), use, list, revoke, and every refusal."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from opensales.accounts.models import LoginFailure
from opensales.accounts.tests.conftest import code_for, make_device, wrong_code
from opensales.api import services
from opensales.api.models import ApiToken
from opensales.audit.models import AuditEvent
from opensales.org.services import user_set_active

from .helpers import Api, assert_error, token_for

pytestmark = pytest.mark.django_db

TOKENS = "/api/v1/auth/tokens"
USERS = "/api/v1/users"
PASSWORD = "opensales-demo"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NO_OTP_THROTTLE = override_settings(OTP_TOTP_THROTTLE_FACTOR=0)


def create(username: str = "rep_sh1", password: str = PASSWORD, **body):
    return Api().post(TOKENS, {"username": username, "password": password, **body}, **EN)


def events(prefix: str) -> list[tuple[str, str, str, str]]:
    return list(
        AuditEvent.objects.filter(action__startswith=prefix)
        .order_by("id")
        .values_list("action", "outcome", "actor_username", "object_repr")
    )


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


# --- Creating a token ------------------------------------------------------------------------------


def test_create_returns_the_secret_once_and_stores_only_its_hash(cast):
    response = create(name="ERP sync", scope="read_write")
    assert response.status_code == 201
    body = response.json()
    token = ApiToken.objects.get()
    secret = body["token"]
    assert body == {
        "token": secret,
        "id": token.pk,
        "name": "ERP sync",
        "scope": "read_write",
        "prefix": secret[:12],
        "expires_at": None,
    }
    assert secret.startswith("osk_") and len(secret) == 4 + 43
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:12]
    stored = ApiToken.objects.values_list("name", "scope", "prefix", "key_hash").get()
    assert all(secret not in str(value) for value in stored)
    assert (token.user, token.last_used_at, token.revoked_at) == (cast["rep_sh1"], None, None)
    event = AuditEvent.objects.get(action="api.token_create")
    assert (event.actor_username, event.object_id) == ("rep_sh1", str(cast["rep_sh1"].pk))
    assert event.changes == {
        "token": token.pk,
        "name": "ERP sync",
        "scope": "read_write",
        "expires_at": None,
        "factors": ["password"],
    }


def test_defaults_are_read_only_never_expiring_and_a_translated_name(cast):
    assert create().json()["scope"] == "read"
    zh = Api().post(TOKENS, {"username": "rep_sh2", "password": PASSWORD})
    assert zh.status_code == 201
    assert list(ApiToken.objects.order_by("id").values_list("name", "scope", "expires_at")) == [
        ("API token", "read", None),
        ("API 令牌", "read", None),
    ]


def test_an_expiry_is_kept_and_must_lie_in_the_future(cast):
    when = (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    response = create(expires_at=when.isoformat())
    assert response.status_code == 201
    assert ApiToken.objects.get().expires_at == when
    assert_error(create(expires_at="2001-01-01T00:00:00Z"), 422, "invalid", {"expires_at"})
    assert ApiToken.objects.count() == 1


def test_wrong_password_is_401_counted_by_the_lockout_and_audited(cast):
    response = create(password="wrong-password-1")
    body = assert_error(response, 401, "invalid_credentials", set())
    assert body["message"] == "The username or password is incorrect."
    row = LoginFailure.objects.get()
    assert (row.username, row.ip_address, row.failures) == ("rep_sh1", "127.0.0.1", 1)
    assert events("auth.") == [("auth.login_failed", "failure", "", "rep_sh1")]
    assert ApiToken.objects.count() == 0


def test_the_fifth_failure_locks_and_a_locked_pair_is_refused_even_with_the_right_password(cast):
    for _ in range(4):
        assert_error(create(password="wrong-password-1"), 401, "invalid_credentials")
    locked = assert_error(create(password="wrong-password-1"), 429, "locked_out")
    assert locked["message"] == "Too many failed sign-ins. Try again in 15 minutes."
    right = create()
    assert_error(right, 429, "locked_out")
    assert right["Retry-After"] == "900"
    assert ApiToken.objects.count() == 0
    assert LoginFailure.objects.get().failures == 5
    assert events("auth.") == [
        *[("auth.login_failed", "failure", "", "rep_sh1")] * 5,
        ("auth.locked_out", "denied", "", "rep_sh1"),
        ("auth.locked_out", "denied", "", "rep_sh1"),
    ]


def test_the_web_sign_in_and_the_token_endpoint_share_one_lockout(cast):
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"username": "rep_sh1", "password": "wrong-password-1"})
    assert_error(create(), 429, "locked_out")


def test_a_right_password_clears_earlier_failures(cast):
    create(password="wrong-password-1")
    assert create().status_code == 201
    assert LoginFailure.objects.count() == 0


def test_an_inactive_user_gets_no_token(cast):
    user_set_active(actor=cast["admin"], user=cast["rep_sh1"], active=False)
    assert_error(create(), 401, "invalid_credentials")
    assert LoginFailure.objects.get().failures == 1


@NO_OTP_THROTTLE
def test_with_a_confirmed_authenticator_the_code_is_required(cast):
    device = make_device(cast["rep_sh1"])
    missing = assert_error(create(), 401, "otp_required", {"otp"})
    assert missing["fields"] == {"otp": ["This field is required."]}
    assert LoginFailure.objects.count() == 0  # the password was right: nothing guessed yet
    wrong = assert_error(create(otp=wrong_code(device)), 401, "invalid_otp", {"otp"})
    assert wrong["message"] == "The code is incorrect."
    assert LoginFailure.objects.get().failures == 1
    assert_error(create(otp="12ab56"), 422, "invalid", {"otp"})
    response = create(otp=code_for(device))
    assert response.status_code == 201
    assert AuditEvent.objects.get(action="api.token_create").changes["factors"] == ["password", "totp"]
    assert LoginFailure.objects.count() == 0
    assert events("auth.login_failed") == [("auth.login_failed", "failure", "", "rep_sh1")]
    assert AuditEvent.objects.get(action="auth.login_failed").changes == {"factor": "totp"}


@NO_OTP_THROTTLE
def test_one_code_cannot_make_two_tokens(cast):
    device = make_device(cast["rep_sh1"])
    code = code_for(device)
    assert create(otp=code).status_code == 201
    assert_error(create(otp=code), 401, "invalid_otp")
    assert TOTPDevice.objects.get().last_t >= 0


@override_settings(OPENSALES_ENFORCE_ROLE_2FA=True)
def test_a_role_that_requires_two_factor_needs_an_authenticator_first(cast):
    response = create("admin")
    body = assert_error(response, 403, "two_factor_setup_required")
    assert body["message"] == (
        "Your role requires two-factor sign-in. Set it up in the web app before creating API tokens."
    )
    assert ApiToken.objects.count() == 0


def test_request_validation_of_the_token_endpoint(cast):
    body = assert_error(Api().post(TOKENS, {"username": "rep_sh1"}, **EN), 422, "invalid", {"password"})
    assert body["fields"] == {"password": ["This field is required."]}
    assert_error(create(scope="admin"), 422, "invalid", {"scope"})


@override_settings(NINJA_DEFAULT_THROTTLE_RATES={"token_create": "2/min", "auth": "600/min"})
def test_the_token_endpoint_is_throttled_per_address(cast):
    assert create().status_code == 201
    assert create(password="wrong-password-1").status_code == 401
    throttled = create()
    assert_error(throttled, 429, "throttled")
    assert 1 <= int(throttled["Retry-After"]) <= 60
    assert ApiToken.objects.count() == 1
    other_address = Api().post(TOKENS, {"username": "rep_sh1", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9")
    assert other_address.status_code == 201


# --- Using a token ---------------------------------------------------------------------------------


def test_a_token_authenticates_as_its_user_and_notes_the_last_use_once_a_minute(cast, monkeypatch):
    secret = create(scope="read").json()["token"]
    response = Api().get(f"/api/v1/users/{cast['rep_sh1'].pk}", **bearer(secret))
    assert response.status_code == 200
    assert response.json()["username"] == "rep_sh1"
    token = ApiToken.objects.get()
    first_use = token.last_used_at
    assert first_use is not None
    Api().get(USERS, **bearer(secret))
    token.refresh_from_db()
    assert token.last_used_at == first_use  # within the minute: no write
    later = timezone.now() + timedelta(minutes=2)
    monkeypatch.setattr(timezone, "now", lambda: later)  # two minutes on
    Api().get(USERS, **bearer(secret))
    token.refresh_from_db()
    assert token.last_used_at == later
    Api().get(USERS, **bearer(secret))
    assert ApiToken.objects.get().last_used_at == later  # the kept token knows it was just noted


def test_a_token_is_read_once_and_kept_until_it_or_its_user_changes(cast, django_assert_num_queries):
    from django.contrib.auth import get_user_model

    secret = token_for(cast["rep_sh1"])
    departments = "/api/v1/departments"
    assert Api().get(departments, **bearer(secret)).status_code == 200
    with django_assert_num_queries(3):  # the access stamp, the count, the page: no token query
        assert Api().get(departments, **bearer(secret)).status_code == 200
    # What changes nothing a check reads keeps it: the time of a use, of a sign-in.
    ApiToken.objects.update(last_used_at=timezone.now())
    get_user_model().objects.filter(pk=cast["rep_sh1"].pk).update(last_login=timezone.now())
    with django_assert_num_queries(3):
        Api().get(departments, **bearer(secret))
    # Any other change, by whatever path (here bulk updates, no signals, no service), is seen at once.
    ApiToken.objects.update(revoked_at=timezone.now())
    assert_error(Api().get(departments, **bearer(secret)), 401, "invalid_token")
    ApiToken.objects.update(revoked_at=None)
    assert Api().get(departments, **bearer(secret)).status_code == 200
    get_user_model().objects.filter(pk=cast["rep_sh1"].pk).update(is_active=False)
    assert_error(Api().get(departments, **bearer(secret)), 401, "invalid_token")
    get_user_model().objects.filter(pk=cast["rep_sh1"].pk).update(is_active=True)
    ApiToken.objects.update(scope=ApiToken.Scope.READ)
    assert_error(Api().post(departments, {"name": "X"}, **bearer(secret)), 403, "read_only_token")


def test_the_kept_token_and_user_are_copies(cast):
    secret = token_for(cast["rep_sh1"])
    first = services.check_secret(secret).token
    first.user.full_name = "未保存的改动"
    first.user.scratch = "per request"
    second = services.check_secret(secret).token
    assert second.user.full_name != "未保存的改动" and not hasattr(second.user, "scratch")
    assert second.user is not first.user and second.user.pk == first.user.pk


def test_a_read_only_token_reads_and_is_refused_on_every_write(cast):
    api = Api(cast["admin"], scope="read")
    assert api.get("/api/v1/departments").status_code == 200
    sh = api.get("/api/v1/departments").json()["items"][2]["id"]
    refusals = [
        api.post("/api/v1/departments", {"name": "X"}, **EN),
        api.patch(f"/api/v1/departments/{sh}", {"name": "X"}, **EN),
        api.put(f"/api/v1/users/{cast['rep_sh2'].pk}/roles", {"roles": []}, **EN),
        api.delete(f"/api/v1/departments/{sh}", **EN),
        api.post(f"/api/v1/users/{cast['rep_sh2'].pk}/unmask", **EN),
    ]
    for response in refusals:
        body = assert_error(response, 403, "read_only_token", set())
        assert body["message"] == "This API token may only read."
    assert not AuditEvent.objects.filter(actor_username="admin", action__startswith="department.").exists()


def test_a_read_write_token_writes(cast):
    api = Api(cast["admin"])
    response = api.post("/api/v1/departments", {"name": "新团队"})
    assert response.status_code == 201
    assert (
        AuditEvent.objects.filter(action="department.create").order_by("id").last().actor_username == "admin"
    )


def test_deactivating_the_user_stops_their_tokens_at_once(cast):
    secret = token_for(cast["rep_sh1"])
    assert Api().get(USERS, **bearer(secret)).status_code == 200
    user_set_active(actor=cast["admin"], user=cast["rep_sh1"], active=False)
    assert_error(Api().get(USERS, **bearer(secret)), 401, "invalid_token")
    assert AuditEvent.objects.filter(action="api.token_auth_failed").values_list("changes", flat=True)[0] == {
        "reason": "inactive_user"
    }
    # Reactivation does not revive them: deactivation rotated the security stamp, like a password reset.
    user_set_active(actor=cast["admin"], user=cast["rep_sh1"], active=True)
    assert_error(Api().get(USERS, **bearer(secret)), 401, "invalid_token")


def test_a_password_reset_stops_the_users_tokens(cast):
    from opensales.org.services import user_reset_password

    secret = token_for(cast["rep_sh1"])
    assert Api().get(USERS, **bearer(secret)).status_code == 200
    user_reset_password(actor=cast["admin"], user=cast["rep_sh1"], new_password="Tr1cky-Pass-2026")
    assert_error(Api().get(USERS, **bearer(secret)), 401, "invalid_token")
    reasons = AuditEvent.objects.filter(action="api.token_auth_failed").values_list("changes", flat=True)
    assert list(reasons) == [{"reason": "stale_credentials"}]
    # A token made after the reset works.
    assert Api().get(USERS, **bearer(token_for(cast["rep_sh1"]))).status_code == 200


def test_an_expired_token_is_refused(cast):
    secret = token_for(cast["rep_sh1"])
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    body = assert_error(Api().get(USERS, **bearer(secret), **EN), 401, "invalid_token")
    assert body["message"] == "The API token is not valid, or it expired or was revoked."


def test_unknown_and_malformed_tokens_are_refused_and_audited_without_the_secret(cast):
    assert_error(Api().get(USERS, **bearer("osk_" + "x" * 43)), 401, "invalid_token")
    assert_error(Api().get(USERS, **bearer("my-password-123")), 401, "invalid_token")
    assert_error(
        Api().get(USERS, HTTP_AUTHORIZATION="Basic cmVwX3NoMTpvcGVuc2FsZXMtZGVtbw=="), 401, "unauthenticated"
    )
    assert events("api.token_auth_failed") == [
        ("api.token_auth_failed", "denied", "", "osk_xxxxxxxx"),
        ("api.token_auth_failed", "denied", "", ""),
    ]
    assert list(
        AuditEvent.objects.filter(action="api.token_auth_failed").values_list("ip_address", flat=True)
    ) == [
        "127.0.0.1",
        "127.0.0.1",
    ]


@override_settings(NINJA_DEFAULT_THROTTLE_RATES={"bad_token": "3/min", "auth": "600/min"})
def test_a_flood_of_bad_tokens_is_throttled_and_not_written_to_the_audit_log(cast):
    for _ in range(3):
        assert_error(Api().get(USERS, **bearer("osk_bad")), 401, "invalid_token")
    throttled = Api().get(USERS, **bearer("osk_bad"))
    assert_error(throttled, 429, "throttled")
    assert throttled["Retry-After"].isdigit()
    assert AuditEvent.objects.filter(action="api.token_auth_failed").count() == 3
    assert Api().get(USERS, **bearer(token_for(cast["rep_sh1"]))).status_code == 200


def test_with_an_authorization_header_the_session_does_not_count(cast):
    api = Api(cast["admin"], session=True)
    assert api.get(USERS).status_code == 200
    assert_error(api.get(USERS, **bearer("osk_bad")), 401, "invalid_token")


# --- Listing and revoking --------------------------------------------------------------------------


def test_list_shows_only_my_tokens_newest_first(cast):
    mine_old, _ = services.token_create(actor=None, user=cast["rep_sh1"], name="old", scope="read")
    services.token_create(actor=None, user=cast["rep_sh2"], name="theirs")
    mine_new, secret = services.token_create(actor=None, user=cast["rep_sh1"], name="new", scope="read_write")
    services.token_revoke(actor=None, token=mine_old)
    response = Api().get(TOKENS, **bearer(secret))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [(t["id"], t["name"], t["scope"], t["is_active"]) for t in body["items"]] == [
        (mine_new.pk, "new", "read_write", True),
        (mine_old.pk, "old", "read", False),
    ]
    item = body["items"][0]
    assert set(item) == {
        "id",
        "name",
        "scope",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "is_active",
    }
    assert item["prefix"] == secret[:12]
    assert body["items"][1]["revoked_at"] is not None


def test_revoke_stops_the_token_at_once_and_is_audited_once(cast):
    token, secret = services.token_create(actor=None, user=cast["rep_sh1"], name="ci")
    _other, other_secret = services.token_create(
        actor=None, user=cast["rep_sh1"], name="other", scope="read_write"
    )
    response = Api().delete(f"{TOKENS}/{token.pk}", **bearer(other_secret))
    assert response.status_code == 204
    assert response.content == b""
    assert_error(Api().get(USERS, **bearer(secret)), 401, "invalid_token")
    assert Api().delete(f"{TOKENS}/{token.pk}", **bearer(other_secret)).status_code == 204
    assert events("api.token_revoke") == [("api.token_revoke", "success", "rep_sh1", "张伟")]
    assert AuditEvent.objects.get(action="api.token_revoke").changes == {
        "token": token.pk,
        "name": "ci",
        "prefix": token.prefix,
    }
    assert AuditEvent.objects.get(action="api.token_auth_failed").changes == {"reason": "revoked"}


def test_a_token_can_revoke_itself_but_not_another_users(cast):
    theirs, _ = services.token_create(actor=None, user=cast["rep_sh2"], name="theirs")
    mine, secret = services.token_create(actor=None, user=cast["rep_sh1"], name="mine", scope="read_write")
    assert_error(Api().delete(f"{TOKENS}/{theirs.pk}", **bearer(secret)), 404, "not_found")
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None
    assert Api().delete(f"{TOKENS}/{mine.pk}", **bearer(secret)).status_code == 204
    assert_error(Api().get(TOKENS, **bearer(secret)), 401, "invalid_token")


def test_the_token_list_pages_with_the_default_limit_of_50(cast):
    user = cast["rep_sh1"]
    for n in range(54):
        services.token_create(actor=None, user=user, name=f"t{n}")
    api = Api(user)  # the 55th token
    first = api.get(TOKENS).json()
    assert (first["count"], len(first["items"])) == (55, 50)
    rest = api.get(TOKENS, {"offset": 50}).json()
    assert (rest["count"], len(rest["items"])) == (55, 5)
    assert {t["id"] for t in first["items"]} | {t["id"] for t in rest["items"]} == set(
        ApiToken.objects.filter(user=user).values_list("pk", flat=True)
    )
