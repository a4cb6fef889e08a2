"""Password hashing (argon2id) and the password policy: length and a common-password list."""

from __future__ import annotations

import gzip
import unicodedata
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

# Words that make weak passwords for this organisation in particular (ASVS 6.2.11).
LOCAL_WORDS = ("portal", "detainee", "detainees", "syria", "damascus", "aleppo", "partner",
               "password", "welcome", "office", "missing", "سوريا", "دمشق", "حلب", "معتقل")


@lru_cache(maxsize=4)
def _hasher(profile: str) -> PasswordHasher:
    return PasswordHasher.from_parameters(getattr(profiles, profile))


def hasher() -> PasswordHasher:
    return _hasher(current_app.config["ARGON2_PROFILE"])


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords (about 20,000), lower-cased."""
    path = Path(__file__).parent / "data" / "common-passwords.txt.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return frozenset(line.strip().lower() for line in f if line.strip())


def normalise(password: str) -> str:
    """NFC, so that the same Arabic or accented password hashes the same from any keyboard."""
    return unicodedata.normalize("NFC", password)


def policy_problem(password: str) -> str | None:
    """Return why `password` is refused ("short", "long", "common") or None when acceptable."""
    cfg = current_app.config
    password = normalise(password)
    if len(password) < cfg["PASSWORD_MIN_LENGTH"]:
        return "short"
    if len(password) > cfg["PASSWORD_MAX_LENGTH"]:
        return "long"
    lowered = password.lower()
    stripped = lowered.rstrip("0123456789!@#$%.? ")
    if lowered in common_passwords() or stripped in common_passwords():
        return "common"
    if any(stripped == word * (len(stripped) // len(word)) for word in LOCAL_WORDS if stripped):
        return "common"
    if len(set(lowered)) <= 2:
        return "common"
    return None


def hash_password(password: str) -> str:
    return hasher().hash(normalise(password))


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check `password`; with no stored hash, verify against a dummy so timing stays the same."""
    if len(password) > current_app.config["PASSWORD_MAX_LENGTH"]:
        return False  # never feed huge inputs to argon2
    ph = hasher()
    try:
        return ph.verify(stored_hash or _dummy_hash(current_app.config["ARGON2_PROFILE"]),
                         normalise(password)) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return hasher().check_needs_rehash(stored_hash)


@lru_cache(maxsize=4)
def _dummy_hash(profile: str) -> str:
    return _hasher(profile).hash("dummy password for timing")
