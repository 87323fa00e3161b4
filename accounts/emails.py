"""Email addresses: one mailbox, one account.

An address is stored and looked up in one spelling, its *normal form*: Unicode NFKC (so
full-width ``ｘ`` is ``x`` and the long ``ſ`` is ``s``), lower case, and the domain in its
ASCII (IDNA/punycode, UTS #46) form, so ``Dup@ｘ.COM`` and ``dup@x.com`` are one address.

* ``normalize(address)``: the normal form, for lookups (sign-in, password reset, the manager's
  ``get_by_natural_key``) and for storing; it never refuses, so any variant of a stored
  address finds that account.
* ``clean(address)``: for addresses that *enter* (sign-up, add-email, the admin, the manager,
  the legacy import): the normal form, or a ``ValidationError`` in plain words when the part
  before the @ is not plain ASCII (``alİce``, ``ſtaff``, full-width letters), unless
  ``ACCOUNT_ALLOW_UNICODE_EMAIL_LOCAL_PARTS`` is on; then it is still refused when it mixes
  Latin, Greek and Cyrillic letters, carries a combining mark on a Latin, Greek or Cyrillic
  letter (the dot of ``İ``), or holds invisible characters. Whole-script look-alikes (a local
  part written entirely in Cyrillic that reads like Latin) are different mailboxes and are
  not caught.
* ``manage.py email_collisions`` lists the stored addresses that share a normal form across
  users, and the ones not stored in normal form, for an operator.

Uniqueness itself is the database's: every address is stored in normal form, so the unique
``accounts_user.email`` (and allauth's own checks, which compare stored spellings) see two
variants of one mailbox as the same address.
"""

from __future__ import annotations

import re
import unicodedata

import idna
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import models

NOT_PLAIN = (
    "Write the part before the @ in plain letters (a–z), digits and punctuation; accented and "
    "look-alike letters are not accepted there."
)
NOT_AN_ADDRESS = "Enter an email address such as name@example.com."
BAD_DOMAIN = "The part after the @ is not a valid domain name."
MIXED_SCRIPTS = (
    "The part before the @ mixes letters of different alphabets (such as Latin and Cyrillic), "
    "so it could pass for another address."
)
COMBINING_MARK = (
    "The part before the @ has a mark on a letter (such as the dot on İ) that could make it "
    "pass for another address; write the letter without it."
)
INVISIBLE = "The address contains invisible or control characters."

_LOOK_ALIKE_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC")
# RFC 6531's dot-atom with UTF-8 "atext": ASCII atext plus any non-ASCII character.
_UNICODE_DOT_ATOM = re.compile(r"[-!#$%&'*+/=?^_`{}|~0-9A-Za-z\u0080-\U0010ffff]+(?:\.[-!#$%&'*+/=?^_`{}|~0-9A-Za-z\u0080-\U0010ffff]+)*")


def allow_unicode_local_parts() -> bool:
    return bool(getattr(settings, "ACCOUNT_ALLOW_UNICODE_EMAIL_LOCAL_PARTS", False))


def _nfkc_lower(text: str) -> str:
    # lower() can decompose (İ -> i + U+0307); NFKC again recomposes what it can.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).lower())


def _ascii_domain(domain: str) -> str:
    """The domain as IDNA ASCII, lower case; idna.IDNAError (a ValueError) if it is not one."""
    domain = unicodedata.normalize("NFKC", domain).rstrip(".")
    if not domain:
        raise idna.IDNAError("empty domain")
    return idna.encode(domain, uts46=True).decode("ascii").lower()


def normalize(address: str) -> str:
    """The normal form of ``address`` (see the module's docstring); never raises."""
    address = (address or "").strip()
    local, at, domain = address.rpartition("@")
    if not at:
        return _nfkc_lower(address)
    try:
        domain = _ascii_domain(domain)
    except (idna.IDNAError, UnicodeError):
        domain = _nfkc_lower(domain)
    return f"{_nfkc_lower(local)}@{domain}"


def clean(address: str) -> str:
    """The normal form of an address that enters the system, or ValidationError (plain words)."""
    address = (address or "").strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise ValidationError(NOT_AN_ADDRESS, code="invalid")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Zs") for ch in address):
        raise ValidationError(INVISIBLE, code="invisible_characters")
    try:
        _ascii_domain(domain)
    except (idna.IDNAError, UnicodeError):
        raise ValidationError(BAD_DOMAIN, code="invalid_domain") from None
    if not local.isascii():
        if not allow_unicode_local_parts():
            raise ValidationError(NOT_PLAIN, code="non_ascii_local_part")
        _refuse_confusable(_nfkc_lower(local))
    return normalize(address)


def _script(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else None


def _refuse_confusable(local: str) -> None:
    scripts = {_script(ch) for ch in local} & set(_LOOK_ALIKE_SCRIPTS)
    if len(scripts) > 1:
        raise ValidationError(MIXED_SCRIPTS, code="mixed_scripts")
    previous = None
    for ch in local:
        if unicodedata.category(ch) in ("Mn", "Me") and _script(previous or "") in _LOOK_ALIKE_SCRIPTS:
            raise ValidationError(COMBINING_MARK, code="combining_mark")
        if not unicodedata.category(ch).startswith("M"):
            previous = ch


class AddressValidator(EmailValidator):
    """Django's email validator; with ACCOUNT_ALLOW_UNICODE_EMAIL_LOCAL_PARTS on, a part before
    the @ with non-ASCII letters is checked as RFC 6531's UTF-8 dot-atom instead (``clean``
    still refuses the look-alikes)."""

    def __call__(self, value):
        local, at, domain = str(value or "").rpartition("@")
        if at and not local.isascii() and allow_unicode_local_parts() and len(value) <= 320:
            if _UNICODE_DOT_ATOM.fullmatch(local) and self.validate_domain_part(domain):
                return
            raise ValidationError(self.message, code=self.code, params={"value": value})
        super().__call__(value)


validate_address = AddressValidator()


def validate_spelling(value: str) -> None:
    """For sign-in and password reset: a valid address once normalised (so ``ｄｕｐ@x.com``
    finds ``dup@x.com``)."""
    validate_address(normalize(value))


class AddressFormField(forms.EmailField):
    default_validators = [validate_address]


class AddressField(models.EmailField):
    """The user's address column: validated by ``validate_address``."""

    default_validators = [validate_address]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": AddressFormField, **kwargs})
