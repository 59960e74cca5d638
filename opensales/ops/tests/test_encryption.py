"""The encrypted file format: any change, reordering, truncation or wrong key is refused."""

from __future__ import annotations

import struct

import pytest
from cryptography.fernet import Fernet

from opensales.ops import encryption
from opensales.ops.encryption import DecryptionError, decrypt_file, encrypt_file

KEY = Fernet.generate_key().decode()


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(encryption, "CHUNK", 1000)


def frames(path) -> list[bytes]:
    data = path.read_bytes()[len(encryption.MAGIC) :]
    out = []
    while data:
        (n,) = struct.unpack(">I", data[:4])
        out.append(data[: 4 + n])
        data = data[4 + n :]
    return out


def write_frames(path, parts) -> None:
    path.write_bytes(encryption.MAGIC + b"".join(parts))


@pytest.mark.parametrize("size", [0, 1, 999, 1000, 1001, 3500])
def test_round_trip(tmp_path, small_chunks, size):
    plain = bytes(range(256)) * (size // 256 + 1)
    plain = plain[:size]
    (tmp_path / "in").write_bytes(plain)
    encrypt_file(tmp_path / "in", tmp_path / "enc", [KEY])
    assert len(frames(tmp_path / "enc")) == max(1, -(-size // 1000))
    decrypt_file(tmp_path / "enc", tmp_path / "out", [KEY])
    assert (tmp_path / "out").read_bytes() == plain


@pytest.fixture
def three_frames(tmp_path, small_chunks):
    (tmp_path / "in").write_bytes(b"a" * 1000 + b"b" * 1000 + b"c" * 500)
    encrypt_file(tmp_path / "in", tmp_path / "enc", [KEY])
    parts = frames(tmp_path / "enc")
    assert len(parts) == 3
    return tmp_path / "enc", parts


def refused(path, keys=(KEY,)) -> str:
    with pytest.raises(DecryptionError) as exc:
        decrypt_file(path, path.with_name("out"), list(keys))
    return str(exc.value)


def test_reordered_frames(three_frames):
    path, (a, b, c) = three_frames
    write_frames(path, [b, a, c])
    assert refused(path) == "frame 1 found where frame 0 belongs"


def test_dropped_last_frame(three_frames):
    path, (a, b, _c) = three_frames
    write_frames(path, [a, b])
    assert refused(path) == "the file ends before its last frame (truncated)"


def test_cut_inside_a_frame(three_frames):
    path, _ = three_frames
    path.write_bytes(path.read_bytes()[:-10])
    assert refused(path) == "the file ends inside a frame (truncated)"


def test_data_after_the_last_frame(three_frames):
    path, (a, b, c) = three_frames
    write_frames(path, [a, b, c, a])
    assert refused(path) == "data follows the last frame"


def test_flipped_byte(three_frames):
    path, (a, b, c) = three_frames
    b = bytearray(b)
    b[40] ^= 1
    write_frames(path, [a, bytes(b), c])
    assert refused(path) == "a frame does not decrypt: wrong key or altered file"


def test_wrong_key_and_no_key(three_frames):
    path, _ = three_frames
    assert refused(path, [Fernet.generate_key().decode()]) == (
        "a frame does not decrypt: wrong key or altered file"
    )
    assert refused(path, []) == "no backup key is configured (OPENSALES_BACKUP_KEY)"


def test_not_an_encrypted_file(tmp_path):
    (tmp_path / "plain").write_bytes(b"SQLite format 3\x00")
    assert encryption.is_encrypted(tmp_path / "plain") is False
    assert refused(tmp_path / "plain") == "not an encrypted OpenSales backup"
