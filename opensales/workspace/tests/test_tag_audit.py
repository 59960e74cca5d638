"""tags_by_names audits the tags it creates, with the actor."""

from __future__ import annotations

import pytest

from opensales.audit.models import AuditEvent
from opensales.workspace.tags import tags_by_names

pytestmark = pytest.mark.django_db


def test_creating_a_tag_by_name_is_audited_once(cast):
    rep = cast["rep_sh1"]
    tags = tags_by_names(["新标签", " 新标签 "], actor=rep)
    assert [t.name for t in tags] == ["新标签"]
    event = AuditEvent.objects.get(action="tags.create")
    assert event.actor_id == rep.pk and event.changes == {"name": "新标签"}
    tags_by_names(["新标签"], actor=rep)  # existing: no new event
    tags_by_names(["另一个"])  # callers without an actor keep working
    assert AuditEvent.objects.filter(action="tags.create").count() == 2
