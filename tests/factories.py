"""Test data builders, in one place."""

import itertools

from accounts.models import User

_seq = itertools.count(1)


class UserFactory:
    password = "correct horse battery staple"

    def __new__(cls, **fields):
        n = next(_seq)
        fields.setdefault("email", f"user{n}@example.com")
        password = fields.pop("password", cls.password)
        return User.objects.create_user(password=password, **fields)
