import base64

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings

from opensales.core.crypto import blind_index, decrypt, encrypt, rotate
from opensales.org.models import Employee

pytestmark = pytest.mark.django_db


def _stored_mobile(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT mobile, mobile_index FROM org_employee WHERE id = %s", [pk])
        return cursor.fetchone()


def test_mobile_is_encrypted_at_rest_and_found_by_blind_index(cast):
    employee = Employee.objects.unscoped(reason="t").get(user=cast["rep_sh1"])
    employee.mobile = "138 1234 5678"
    employee.save()
    stored, index = _stored_mobile(employee.pk)
    assert "1234" not in stored and stored.startswith("v2:")
    assert index == blind_index("13812345678") == blind_index("+86 138-1234-5678")
    found = Employee.objects.unscoped(reason="t").get(mobile_index=blind_index("13812345678"))
    assert found.pk == employee.pk and found.mobile == "138 1234 5678"


def test_encrypted_field_refuses_partial_lookups(cast):
    with pytest.raises(ValueError):
        Employee.objects.unscoped(reason="t").filter(mobile__contains="138").count()


def test_key_rotation_keeps_old_values_readable(cast, settings):
    employee = Employee.objects.unscoped(reason="t").get(user=cast["rep_sh1"])
    old_token, _ = _stored_mobile(employee.pk)
    new_key = Fernet.generate_key().decode()
    with override_settings(OPENSALES_FIELD_KEYS=[new_key, *settings.OPENSALES_FIELD_KEYS]):
        reread = Employee.objects.unscoped(reason="t").get(pk=employee.pk)
        assert reread.mobile == employee.mobile
        rotated = rotate(old_token)
        assert rotated != old_token
    with override_settings(OPENSALES_FIELD_KEYS=[new_key]):  # the new key alone reads it
        assert decrypt(rotated) == employee.mobile
        with pytest.raises(ImproperlyConfigured):
            decrypt(old_token)


def test_values_are_sealed_each_time_anew_and_tampering_is_refused(cast):
    first, second = encrypt("13812345678"), encrypt("13812345678")
    assert first != second  # a fresh nonce for every value
    assert decrypt(first) == decrypt(second) == "13812345678"
    body = bytearray(base64.urlsafe_b64decode(first[3:]))
    body[-1] ^= 1
    with pytest.raises(ImproperlyConfigured):
        decrypt("v2:" + base64.urlsafe_b64encode(bytes(body)).decode())


def test_values_written_as_fernet_tokens_are_read_and_rotated_to_the_current_form(cast, settings):
    """Values stored before the AES-GCM form (Fernet tokens) stay readable with the same keys;
    `rotate_keys` rewrites them in the current form."""
    from django.core.management import call_command

    employee = Employee.objects.unscoped(reason="t").get(user=cast["rep_sh1"])
    legacy = Fernet(settings.OPENSALES_FIELD_KEYS[0].encode()).encrypt(b"139 0000 1111").decode()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE org_employee SET mobile = %s WHERE id = %s", [legacy, employee.pk])
    assert Employee.objects.unscoped(reason="t").get(pk=employee.pk).mobile == "139 0000 1111"
    call_command("rotate_keys", verbosity=0)
    stored, _index = _stored_mobile(employee.pk)
    assert stored.startswith("v2:") and decrypt(stored) == "139 0000 1111"


def test_rotate_keys_command_reencrypts_with_the_newest_key(cast, settings):
    from django.core.management import call_command

    employee = Employee.objects.unscoped(reason="t").get(user=cast["rep_sh1"])
    old_keys = list(settings.OPENSALES_FIELD_KEYS)
    new_key = Fernet.generate_key().decode()
    with override_settings(OPENSALES_FIELD_KEYS=[new_key, *old_keys]):
        call_command("rotate_keys", verbosity=0)
    # Only the new key is needed from now on.
    with override_settings(OPENSALES_FIELD_KEYS=[new_key]):
        assert Employee.objects.unscoped(reason="t").get(pk=employee.pk).mobile == employee.mobile


@pytest.mark.parametrize("key_length", [0, 1, 32, 63, 64, 65, 200])
def test_hmac_sha256_is_hmac(key_length):
    """The precomputed-pads HMAC gives exactly the standard library's bytes, for keys shorter than,
    as long as and longer than SHA-256's 64-byte block (hashed first)."""
    import hmac
    import os

    from opensales.core.crypto import hmac_sha256

    key = os.urandom(key_length)
    digest = hmac_sha256(key)
    for message in [b"", b"8000", b"13812345678", "上海".encode(), os.urandom(200)]:
        assert digest(message) == hmac.digest(key, message, "sha256")
