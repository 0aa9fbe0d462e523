"""Secrets of the web chat: session tokens, the forms' CSRF tokens and resume codes.

A session token is 256 random bits in a cookie; only its SHA-256 is stored. A form's CSRF token is
derived from the session token, so a page of another site, which cannot read the cookie, cannot
forge it. A resume code ("K7M-2QX") is short enough to write down; it is stored as a slow
(scrypt) hash, so that a copy of the database does not reveal codes by trying all of them, and
guessing online is held back by rate limits (bot/web/limits.py).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

# No 0/O, 1/I/L, 5/S, 2/Z: letters people confuse when they copy a code by hand.
ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 6


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(token: str) -> str:
    return hmac.new(token.encode(), b"kim-web-form", hashlib.sha256).hexdigest()[:32]


def csrf_valid(token: str, given: str) -> bool:
    return hmac.compare_digest(csrf_token(token), given)


def new_user_id() -> str:
    return "w" + secrets.token_hex(12)


def new_resume_code() -> str:
    letters = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{letters[:3]}-{letters[3:]}"


def normalise_code(typed: str) -> str | None:
    """A typed code as stored (upper case, no spaces or dashes); None when it cannot be one."""
    letters = "".join(c for c in typed.upper() if c not in " -\u00a0")
    if len(letters) != CODE_LENGTH or any(c not in ALPHABET for c in letters):
        return None
    return letters


def code_hash(normalised: str) -> str:
    return hashlib.scrypt(
        normalised.encode(), salt=b"kim-intake-resume", n=2**14, r=8, p=1, dklen=32
    ).hex()
