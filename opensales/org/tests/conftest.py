"""Fixtures of the organization view tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def as_user(cast, login):
    """as_user("rep_sh1") -> a client signed in as that demo user.

    The user is re-read first: the demo step sets the password with a queryset update after creating
    the user, so the object in `cast` carries a stale hash and a session made from it would be refused.
    """
    from django.contrib.auth import get_user_model

    User = get_user_model()

    def make(username: str):
        return login(User.objects.get(username=username))

    return make
