"""Field encryption at rest (AES-256-GCM) with a key kept outside the database.

Ciphertext layout: b"v1" key id (2 bytes) | 12-byte nonce | AES-GCM ciphertext+tag. The key id
lets a future key rotation re-encrypt rows one by one.
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

KEY_ID = b"v1"


class DecryptionError(ValueError):
    """The ciphertext is damaged or was made with another key."""


def _aead(key_hex: str | None = None) -> AESGCM:
    return AESGCM(bytes.fromhex(key_hex or current_app.config["FIELD_KEY"]))


def encrypt(plaintext: str, *, key_hex: str | None = None, context: bytes = b"") -> bytes:
    """Encrypt `plaintext`; `context` (e.g. b"totp") binds the ciphertext to its column."""
    nonce = os.urandom(12)
    return KEY_ID + nonce + _aead(key_hex).encrypt(nonce, plaintext.encode(), KEY_ID + context)


def decrypt(blob: bytes, *, key_hex: str | None = None, context: bytes = b"") -> str:
    """Decrypt a value made by encrypt(); raise DecryptionError on any mismatch."""
    if not blob or blob[:2] != KEY_ID:
        raise DecryptionError("unknown key id")
    try:
        return _aead(key_hex).decrypt(blob[2:14], blob[14:], KEY_ID + context).decode()
    except Exception as exc:  # InvalidTag, wrong key length
        raise DecryptionError("cannot decrypt") from exc
