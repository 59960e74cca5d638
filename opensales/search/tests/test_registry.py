"""Registering a model with the search, and the `search_reindex` command."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command

from opensales.org.models import Department, Employee, Role
from opensales.search.models import SearchEntry
from opensales.search.registry import by_key, get_search_type, register_search, resolve, search_types


def test_the_organization_is_registered():
    org = [(t.key, t.model) for t in search_types() if t.model._meta.app_label == "org"]
    assert org == [("departments", Department), ("employees", Employee)]
    assert by_key("employees").phone_fields == ("mobile",)
    assert get_search_type(Role) is None


def test_only_models_under_the_permission_scope():
    from django.contrib.auth.models import Group

    with pytest.raises(LookupError):
        register_search(Group, key="groups", title="name", url="x")


def test_a_key_belongs_to_one_model():
    with pytest.raises(ValueError, match="taken by org.employee"):
        register_search(Department, key="employees", title="name", url="x")
    with pytest.raises(ValueError, match="letters, digits and dashes"):
        register_search(Department, key="dé partements", title="name", url="x")
    assert by_key("departments").model is Department  # unchanged


def test_resolve_follows_dotted_paths_safely():
    class Obj:
        name = "上海团队"
        parent = None

        def label(self):
            return "标签"

    obj = Obj()
    assert resolve(obj, "name") == "上海团队"
    assert resolve(obj, "parent.name") is None
    assert resolve(obj, "label") == "标签"
    assert resolve(obj, lambda o: o.name[:2]) == "上海"


@pytest.mark.django_db
def test_search_reindex_command(cast):
    SearchEntry.objects.all().delete()
    out = StringIO()
    call_command("search_reindex", stdout=out)
    lines = out.getvalue().splitlines()
    assert {"org.department: 9 entries", "org.employee: 20 entries"} <= set(lines)
    assert lines[-1].startswith("search index rebuilt in ")
    assert SearchEntry.objects.filter(content_type=ContentType.objects.get_for_model(Employee)).count() == 20

    out = StringIO()
    call_command("search_reindex", "org.Department", stdout=out)
    assert out.getvalue().splitlines()[0] == "org.department: 9 entries"


@pytest.mark.django_db
def test_search_reindex_refuses_unknown_models():
    with pytest.raises(CommandError, match="unknown model 'org.Nope'"):
        call_command("search_reindex", "org.Nope")
    with pytest.raises(CommandError, match="org.Role is not searchable"):
        call_command("search_reindex", "org.Role")
