"""Encrypted backup files: a stream of Fernet tokens, so a dump of any size never sits in memory whole.

    file  = MAGIC, then frames
    frame = 4-byte big-endian length, Fernet token (its bytes, not their base64 text)
    token = Fernet(8-byte big-endian frame number, 1-byte "last frame" flag,
                   zlib-compressed CHUNK bytes of the dump (fewer at the end))

Each token is authenticated (AES-128-CBC + HMAC-SHA256); the numbering and the last-frame flag inside the
tokens make reordered, dropped or appended frames fail as surely as flipped bytes. Compressing before
encrypting (zlib level 1: measured on a SQLite file, the ratio of level 6 at a quarter of its time)
keeps SQLite backups small; PostgreSQL's custom format is compressed already. Keys are Fernet keys,
newest first (`OPENSALES_BACKUP_KEY`): the first encrypts, any of them decrypts, so old backups stay
readable after a new key is put in front.
"""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

MAGIC = b"OSBKENC1"
CHUNK = 4 * 1024 * 1024
_LEN = struct.Struct(">I")
_HEAD = struct.Struct(">QB")


class DecryptionError(Exception):
    pass


def _fernet(keys: Sequence[str]) -> MultiFernet:
    if not keys:
        raise DecryptionError("no backup key is configured (OPENSALES_BACKUP_KEY)")
    return MultiFernet([Fernet(k) for k in keys])


def is_encrypted(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(len(MAGIC)) == MAGIC


def encrypt_file(src: Path, dst: Path, keys: Sequence[str]) -> None:
    fernet = _fernet(keys)
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        fout.write(MAGIC)
        number = 0
        chunk = fin.read(CHUNK)
        while True:
            following = fin.read(CHUNK)
            token = base64.urlsafe_b64decode(
                fernet.encrypt(_HEAD.pack(number, 0 if following else 1) + zlib.compress(chunk, 1))
            )
            fout.write(_LEN.pack(len(token)))
            fout.write(token)
            if not following:
                break
            chunk = following
            number += 1


def decrypt_file(src: Path, dst: Path, keys: Sequence[str]) -> None:
    fernet = _fernet(keys)
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        if fin.read(len(MAGIC)) != MAGIC:
            raise DecryptionError("not an encrypted OpenSales backup")
        expected = 0
        while True:
            head = fin.read(_LEN.size)
            if len(head) != _LEN.size:
                raise DecryptionError("the file ends before its last frame (truncated)")
            (length,) = _LEN.unpack(head)
            token = fin.read(length)
            if len(token) != length:
                raise DecryptionError("the file ends inside a frame (truncated)")
            try:
                plain = fernet.decrypt(base64.urlsafe_b64encode(token))
            except InvalidToken:
                raise DecryptionError("a frame does not decrypt: wrong key or altered file") from None
            number, last = _HEAD.unpack_from(plain)
            if number != expected:
                raise DecryptionError(f"frame {number} found where frame {expected} belongs")
            try:
                fout.write(zlib.decompress(plain[_HEAD.size :]))
            except zlib.error as exc:
                raise DecryptionError(f"frame {number} does not decompress: {exc}") from None
            if last:
                break
            expected += 1
        if fin.read(1):
            raise DecryptionError("data follows the last frame")
