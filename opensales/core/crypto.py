"""Field-level encryption of personal data and the blind index that keeps exact search possible.

Keys come from OPENSALES_FIELD_KEYS (Fernet-format keys, newest first: new values are written with the
first, any of them decrypts, so rotation is "prepend a key, run `opensales rotate_keys`"). A value is
stored as `v2:` + base64url(nonce ‖ ciphertext ‖ tag), AES-256-GCM under a key derived from the
configured one (HKDF-SHA256); values written as Fernet tokens before (`gAAAA…`) are still read, and
`rotate` rewrites them in the new form (decision 0010). The blind index is an HMAC-SHA256 of the
normalised value under OPENSALES_INDEX_KEY, kept separate so rotating data keys never changes it.
Ciphertext is never indexed or sorted on.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Callable
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "v2:"  # AES-256-GCM; a Fernet token (the first form) starts with "gAAAA"
NONCE_BYTES = 12  # random per value: safe for far more values than a key will ever encrypt (2**32)
KEY_INFO = b"opensales.field-encryption.aes-256-gcm"


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in _checked(keys)])


@cache
def _ciphers(keys: tuple[str, ...]) -> tuple[AESGCM, ...]:
    """One AES-256-GCM cipher per configured key, newest first. The key is derived (HKDF) rather than
    taken as it is: the same configured key also reads the Fernet tokens, whose own keys are its bytes."""
    return tuple(
        AESGCM(HKDF(SHA256(), length=32, salt=None, info=KEY_INFO).derive(base64.urlsafe_b64decode(k)))
        for k in _checked(keys)
    )


def _checked(keys: tuple[str, ...]) -> tuple[str, ...]:
    if not keys:
        raise ImproperlyConfigured("OPENSALES_FIELD_KEYS is empty")
    return keys


def encrypt(value: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = _ciphers(tuple(settings.OPENSALES_FIELD_KEYS))[0].encrypt(nonce, value.encode(), None)
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    keys = tuple(settings.OPENSALES_FIELD_KEYS)
    if not token.startswith(PREFIX):
        try:
            return _fernet(keys).decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise _undecryptable() from exc
    data = base64.urlsafe_b64decode(token[len(PREFIX) :])
    nonce, sealed = data[:NONCE_BYTES], data[NONCE_BYTES:]
    for cipher in _ciphers(keys):
        try:
            return cipher.decrypt(nonce, sealed, None).decode()
        except InvalidTag:
            continue  # another key's value: try the next (older) key
    raise _undecryptable()


def _undecryptable() -> ImproperlyConfigured:
    return ImproperlyConfigured("a stored value cannot be decrypted with OPENSALES_FIELD_KEYS")


def rotate(token: str) -> str:
    """The value encrypted anew with the newest key, in the current form (old Fernet tokens too)."""
    return encrypt(decrypt(token))


def normalise_for_index(value: str) -> str:
    """Phones compare by digits, e-mails case-insensitively."""
    value = value.strip()
    if "@" in value:
        return value.lower()
    digits = re.sub(r"\D", "", value)
    return digits.removeprefix("86") if len(digits) == 13 else digits or value.lower()


@cache
def hmac_sha256(key: bytes) -> Callable[[bytes], bytes]:
    """HMAC-SHA256 under one key, as a function of the message (RFC 2104): the key's inner and outer
    hash states are computed once, then copied for each message. The same bytes as
    `hmac.digest(key, message, "sha256")` (tests/test_crypto.py compares them), in 0.6 µs a message
    instead of 2.4: the search index hashes every suffix of every phone number, 16 per imported
    customer with its contact (docs/performance.md, sixth round). The standard library's way of
    reusing a key, `hmac.new(key, digestmod="sha256").copy()`, took 1.1 µs a message."""
    block = 64  # SHA-256's block size
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def digest(message: bytes) -> bytes:
        step = inner.copy()
        step.update(message)
        last = outer.copy()
        last.update(step.digest())
        return last.digest()

    return digest


def blind_index(value: str | None) -> str:
    if not value:
        return ""
    digest = hmac_sha256(settings.OPENSALES_INDEX_KEY.encode())
    return digest(normalise_for_index(value).encode()).hex()


class EncryptedCharField(models.TextField):
    """Stores ciphertext (`encrypt`); Python code sees the clear text."""

    def __init__(self, *args, max_length_clear: int = 255, **kwargs):
        self.max_length_clear = max_length_clear
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["max_length_clear"] = self.max_length_clear
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if not value:
            return ""
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return ""
        return encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name not in {"isnull", "exact"}:
            raise ValueError("encrypted fields can only be searched through their blind index")
        return super().get_lookup(lookup_name)

    def formfield(self, **kwargs):
        from django import forms

        return forms.CharField(max_length=self.max_length_clear, required=not self.blank, **kwargs)
