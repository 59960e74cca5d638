"""The language switch keeps a signed-in user's choice on the account (what the worker writes for them
later, such as reminders, follows it) and audits the change; anonymous visitors only get the cookie."""

from __future__ import annotations

import pytest
from django.conf import settings

from opensales.accounts import events
from opensales.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_signed_in_switch_saves_the_preference_once(cast, login):
    rep = cast["rep_sh1"]
    client = login(rep)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.preferred_language == "en"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    events_ = AuditEvent.objects.filter(action=events.LANGUAGE_CHANGE, actor_id=rep.pk)
    assert events_.count() == 1
    assert events_.get().changes == {"preferred_language": ["", "en"]}


def test_unknown_language_changes_nothing(cast, login):
    rep = cast["rep_sh1"]
    client = login(rep)
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    rep.refresh_from_db()
    assert rep.preferred_language == ""
    assert not AuditEvent.objects.filter(action=events.LANGUAGE_CHANGE).exists()


def test_anonymous_switch_sets_only_the_cookie(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert not AuditEvent.objects.filter(action=events.LANGUAGE_CHANGE).exists()
