"""Password hashing: bcrypt at cost 10, compatible with the original Node app.

New passwords are stored by ``BcryptCost10PasswordHasher`` as ``bcrypt$$2b$10$…``
(plain bcrypt, no pre-hash, so the hashes stay portable back to any bcrypt library).
Hashes imported from the Node app are stored raw (``$2a$10$…`` / ``$2b$10$…``):
``User.check_password`` verifies them with ``verify_raw_bcrypt`` and re-encodes them
with the hasher above on the first successful login.

bcrypt only reads the first 72 bytes of a password. The ``bcrypt`` package (5.x)
raises on longer input instead of truncating, so both hashers truncate explicitly,
as bcryptjs in the Node app did; sign-up refuses passwords over 72 bytes
(``MaximumBytesValidator``) so nobody sets a password whose tail is ignored.
"""

import bcrypt
from django.contrib.auth.hashers import BCryptPasswordHasher
from django.core.exceptions import ValidationError
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.translation import gettext as _

BCRYPT_MAX_BYTES = 72


def _truncate(password) -> bytes:
    return force_bytes(password)[:BCRYPT_MAX_BYTES]


class BcryptCost10PasswordHasher(BCryptPasswordHasher):
    """Django's bcrypt hasher at the seed's cost (10 rounds), safe for any password length."""

    rounds = 10

    def encode(self, password, salt):
        data = bcrypt.hashpw(_truncate(password), force_bytes(salt))
        return f"{self.algorithm}${data.decode('ascii')}"


RAW_BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")


def is_raw_bcrypt(encoded: str | None) -> bool:
    return bool(encoded) and encoded.startswith(RAW_BCRYPT_PREFIXES)


def verify_raw_bcrypt(password: str, encoded: str) -> bool:
    """Check a password against a raw bcrypt hash, as the Node app stored them."""
    if password is None or not is_raw_bcrypt(encoded):
        return False
    try:
        candidate = bcrypt.hashpw(_truncate(password), encoded.encode("ascii"))
    except ValueError:  # a malformed stored hash
        return False
    return constant_time_compare(candidate.decode("ascii"), encoded)


class MaximumBytesValidator:
    """Refuse passwords bcrypt would silently cut short."""

    def validate(self, password, user=None):
        if len(force_bytes(password)) > BCRYPT_MAX_BYTES:
            raise ValidationError(
                _("This password is too long: at most %(max)d bytes (about %(max)d letters)."),
                code="password_too_long",
                params={"max": BCRYPT_MAX_BYTES},
            )

    def get_help_text(self):
        return _("Your password can be at most %(max)d bytes long.") % {"max": BCRYPT_MAX_BYTES}
