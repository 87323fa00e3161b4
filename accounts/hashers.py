"""Password hashing: bcrypt at cost 10, compatible with the original Node app.

New passwords are stored by ``BcryptCost10PasswordHasher`` as ``bcrypt$$2b$10$…``
(plain bcrypt, no pre-hash, so the hashes stay portable back to any bcrypt library).
Hashes imported from the Node app are stored raw (``$2a$10$…`` / ``$2b$10$…``):
``RawBcryptPasswordHasher`` recognises them (Django sees an empty algorithm name before
the first ``$``), verifies them, and asks Django to re-encode them on the next
successful login.

bcrypt only reads the first 72 bytes of a password. The ``bcrypt`` package (5.x)
raises on longer input instead of truncating, so both hashers truncate explicitly,
as bcryptjs in the Node app did; sign-up refuses passwords over 72 bytes
(``MaximumBytesValidator``) so nobody sets a password whose tail is ignored.
"""

import bcrypt
from django.contrib.auth.hashers import BCryptPasswordHasher, BasePasswordHasher, mask_hash
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


class RawBcryptPasswordHasher(BasePasswordHasher):
    """Verifies raw ``$2a$``/``$2b$``/``$2y$`` hashes as the Node app stored them."""

    algorithm = ""  # identify_hasher() reads "" before the first "$" of "$2a$10$…"
    library = ("bcrypt", "bcrypt")

    def salt(self):
        raise NotImplementedError("Raw bcrypt hashes are only verified, never created.")

    def encode(self, password, salt):
        raise NotImplementedError("Raw bcrypt hashes are only verified, never created.")

    def verify(self, password, encoded):
        if not encoded.startswith(("$2a$", "$2b$", "$2y$")):
            return False
        try:
            candidate = bcrypt.hashpw(_truncate(password), encoded.encode("ascii"))
        except ValueError:  # a malformed stored hash
            return False
        return constant_time_compare(candidate.decode("ascii"), encoded)

    def decode(self, encoded):
        _empty, algostr, work_factor, data = encoded.split("$", 3)
        return {
            "algorithm": "bcrypt (raw)",
            "algostr": algostr,
            "work_factor": int(work_factor),
            "salt": data[:22],
            "checksum": data[22:],
        }

    def safe_summary(self, encoded):
        decoded = self.decode(encoded)
        return {
            _("algorithm"): decoded["algorithm"],
            _("work factor"): decoded["work_factor"],
            _("salt"): mask_hash(decoded["salt"]),
            _("checksum"): mask_hash(decoded["checksum"]),
        }

    def must_update(self, encoded):
        return True

    def harden_runtime(self, password, encoded):
        pass


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
