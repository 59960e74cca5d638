"""The global search against the database: matching, the permission scope per persona, the index kept
in step with the records, and the full-text index of each database (these tests run on SQLite and on
PostgreSQL: `bash scripts/with-postgres.sh .venv/bin/python -m pytest opensales/search`)."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opensales.core.scope import grants_for
from opensales.org import services
from opensales.org.models import Department, Employee
from opensales.search import fulltext
from opensales.search.index import reindex
from opensales.search.models import SearchEntry
from opensales.search.selectors import search, searchable_types
from opensales.search.tokens import parse_query

pytestmark = pytest.mark.django_db

SH_TEAM = ["刘洋", "张伟", "陈静"]  # 上海团队, in the order of the results (length, then title)


def found(user, query, **kwargs) -> dict[str, list[str]]:
    """{type key: [titles]} of a search."""
    return {g.key: [hit.title for hit in g.items] for g in search(user, query, **kwargs).groups}


def counts(user, query, **kwargs) -> dict[str, int]:
    return {g.key: g.count for g in search(user, query, **kwargs).groups}


def dept(code: str) -> Department:
    return Department.objects.unscoped(reason="test").get(code=code)


def employee(username: str) -> Employee:
    return Employee.objects.unscoped(reason="test").select_related("user").get(user__username=username)


def add_employee(username: str, full_name: str, code: str, mobile: str = "", title: str = "销售代表"):
    return services.employee_create(
        actor=None, username=username, full_name=full_name, department=dept(code), title=title, mobile=mobile
    )


# --- The demo cast, per persona ----------------------------------------------------------------------


def test_the_demo_company_is_indexed(cast):
    assert SearchEntry.objects.filter(content_type=ContentType.objects.get_for_model(Department)).count() == 9
    assert SearchEntry.objects.filter(content_type=ContentType.objects.get_for_model(Employee)).count() == 20


def test_rep_finds_himself_and_his_team_but_not_other_regions(cast):
    rep = cast["rep_sh1"]
    assert found(rep, "上海") == {"departments": ["上海团队"], "employees": SH_TEAM}
    assert found(rep, "张伟") == {"employees": ["张伟"]}
    assert found(rep, "徐丽") == {}
    assert found(rep, "xuli") == {}
    assert found(rep, "广州") == {}


def test_director_finds_everyone(cast):
    director = cast["director"]
    assert found(director, "徐丽") == {"employees": ["徐丽"]}
    assert found(director, "上海") == {"departments": ["上海团队"], "employees": SH_TEAM}
    assert counts(director, "tuandui") == {"departments": 5, "employees": 13}


def test_manager_finds_his_region(cast):
    manager = cast["manager_east"]
    assert found(manager, "团队", limit=10) == {
        "departments": ["上海团队", "杭州团队"],
        "employees": ["刘洋", "周杰", "张伟", "杨帆", "陈静", "黄敏"],
    }
    assert found(manager, "徐丽") == {}


def test_rep_of_another_region_sees_his_own_team_only(cast):
    assert found(cast["rep_gz1"], "团队") == {"departments": ["广州团队"], "employees": ["孙鹏", "徐丽"]}
    assert found(cast["rep_gz1"], "张伟") == {}


def test_anonymous_and_inactive_users_find_nothing(cast):
    from django.contrib.auth.models import AnonymousUser

    assert found(AnonymousUser(), "张伟") == {}
    user = cast["rep_sh2"]
    user.is_active = False
    assert found(user, "张伟") == {}


def test_the_scope_is_applied_before_the_limit(cast):
    # Ten better-ranked namesakes outside rep_sh1's scope must not push him out of his own results.
    for i in range(10):
        add_employee(f"gz_zhangwei{i}", "张伟", "GZ")
    rep = cast["rep_sh1"]
    result = search(rep, "张伟", limit=1)
    assert [(g.key, g.count, [h.title for h in g.items]) for g in result.groups] == [
        ("employees", 1, ["张伟"])
    ]
    assert counts(cast["director"], "张伟") == {"employees": 11}


# --- Matching ----------------------------------------------------------------------------------------


def test_two_character_name(cast):
    director = cast["director"]
    assert found(director, "陈静") == {"employees": ["陈静"]}
    assert found(director, "李建") == {"employees": ["李建国"]}
    assert found(director, "建国") == {"employees": ["李建国"]}
    assert found(director, "李国") == {}


def test_one_character_matches_the_first_character_of_names(cast):
    director = cast["director"]
    assert found(director, "张") == {"employees": ["张伟"]}
    assert found(director, "李") == {"employees": ["李建国"]}
    assert found(director, "伟") == {}  # not the first character
    assert found(director, "上") == {"departments": ["上海团队"]}  # the department's own name only


@pytest.mark.parametrize("query", ["zhangwei", "zhang wei", "Zhang Wei", "zhangw", "zhang", "zw", "ZW"])
def test_pinyin_and_initials(cast, query):
    assert found(cast["director"], query) == {"employees": ["张伟"]}


def test_initials_of_three_character_names(cast):
    director = cast["director"]
    assert found(director, "ljg") == {"employees": ["李建国"]}
    assert found(director, "lijianguo") == {"employees": ["李建国"]}
    assert found(director, "jianguo") == {"employees": ["李建国"]}
    assert found(director, "wht") == {"employees": ["王海涛"]}


def test_surname_readings_in_search(cast):
    add_employee("shan", "单雄信", "SH")
    add_employee("zeng", "曾国藩", "SH")
    add_employee("xie", "解缙", "SH")
    director = cast["director"]
    assert found(director, "shanxiongxin") == {"employees": ["单雄信"]}
    assert found(director, "sxx") == {"employees": ["单雄信"]}
    assert found(director, "danxiongxin") == {}
    assert found(director, "zengguofan") == {"employees": ["曾国藩"]}
    assert found(director, "ceng") == {}
    assert found(director, "xiejin") == {"employees": ["解缙"]}


def test_latin_words_by_prefix_case_insensitive(cast):
    director = cast["director"]
    assert found(director, "REP_SH") == {"employees": ["刘洋", "张伟"]}
    assert found(director, "rep_sh1") == {"employees": ["张伟"]}
    assert found(director, "Sou") == {"departments": ["华南大区"], "employees": ["吴志强"]}  # manager_south
    assert found(director, "e1006") == {"employees": ["张伟"]}


def test_words_of_several_fields_combine(cast):
    # 上海 (the department) and zw (the initials of the name): both must match.
    assert found(cast["director"], "上海 zw") == {"employees": ["张伟"]}
    assert found(cast["director"], "广州 zw") == {}


def test_exact_title_first_then_shorter_titles(cast):
    add_employee("zwm", "张伟明", "SH")
    add_employee("zwx", "张伟晓", "SH")
    assert found(cast["director"], "张伟") == {"employees": ["张伟", "张伟明", "张伟晓"]}


def test_types_limit_and_offset(cast):
    director = cast["director"]
    assert found(director, "团队", types=["departments"]) == {
        "departments": ["上海团队", "北京团队", "广州团队", "杭州团队", "深圳团队"]
    }
    assert found(director, "团队", types=["departments"], limit=2) == {
        "departments": ["上海团队", "北京团队"]
    }
    assert found(director, "团队", types=["departments"], limit=2, offset=2) == {
        "departments": ["广州团队", "杭州团队"]
    }
    assert counts(director, "团队", types=["departments"], limit=2, offset=2) == {"departments": 5}
    assert found(director, "团队", types=["unknown"]) == {}


def test_queries_with_nothing_to_search_for(cast):
    result = search(cast["director"], "  ")
    assert (result.searched, result.groups) == (False, [])
    result = search(cast["director"], "“”")
    assert (result.searched, result.groups) == (False, [])


def test_hits_link_to_the_records(cast):
    result = search(cast["director"], "张伟 ")
    [group] = result.groups
    [hit] = group.items
    zhang = employee("rep_sh1")
    assert (hit.id, hit.title, hit.subtitle, hit.url) == (
        zhang.pk,
        "张伟",
        "销售代表 · 上海团队",
        f"/org/employees/{zhang.pk}/",
    )
    [group] = search(cast["director"], "上海").groups[:1]
    sh = dept("SH")
    assert (group.items[0].subtitle, group.items[0].url) == (
        "华东大区 · SH",
        f"/org/employees/?department={sh.pk}",
    )


# --- Phone numbers -------------------------------------------------------------------------------------


@pytest.fixture
def liu_yang_phone(cast):
    liu = employee("rep_sh2")
    services.employee_update(actor=None, employee=liu, mobile="+86 139-1234-5678")
    return liu


def test_phone_by_its_last_four_digits_and_as_a_whole(cast, liu_yang_phone):
    for persona in ("rep_sh1", "director", "admin"):
        user = cast[persona]
        assert found(user, "5678") == {"employees": ["刘洋"]}, persona
        assert found(user, "13912345678") == {"employees": ["刘洋"]}, persona
        assert found(user, "139 1234 5678") == {"employees": ["刘洋"]}, persona
        assert found(user, "+8613912345678") == {"employees": ["刘洋"]}, persona
    assert found(cast["rep_gz1"], "5678") == {}  # out of scope


def test_longer_suffixes_need_the_unmask_grant(cast, liu_yang_phone):
    # 139****5678 is what a masked viewer sees; 345678 would uncover hidden digits one at a time.
    assert found(cast["director"], "345678") == {}
    assert found(cast["rep_sh1"], "2345678") == {}
    assert found(cast["admin"], "345678") == {"employees": ["刘洋"]}
    assert found(cast["admin"], "12345678") == {"employees": ["刘洋"]}
    assert found(cast["admin"], "45678") == {"employees": ["刘洋"]}
    assert found(cast["admin"], "5679") == {}


def test_phone_digits_are_never_stored_in_clear(cast, liu_yang_phone):
    entry = SearchEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Employee), object_id=liu_yang_phone.pk
    )
    for n in range(4, 12):
        assert "13912345678"[-n:] not in entry.tokens.split()
    assert "2345678" not in entry.tokens and "13912345678" not in entry.tokens
    assert "5678" not in entry.title + entry.subtitle
    assert len([t for t in entry.tokens.split() if t.startswith("p") and len(t) == 17]) == 8


# --- Keeping the index in step ------------------------------------------------------------------------


def test_a_renamed_employee_is_found_by_the_new_name_only(cast):
    services.employee_update(actor=None, employee=employee("rep_sh2"), full_name="刘晓洋")
    director = cast["director"]
    assert found(director, "晓洋") == {"employees": ["刘晓洋"]}
    assert found(director, "liuxiaoyang") == {"employees": ["刘晓洋"]}
    assert found(director, "刘洋") == {}


def test_a_new_employee_is_found_and_a_deleted_one_is_gone(cast):
    new = add_employee("ouyang", "欧阳娜娜", "SH", mobile="13700001111")
    assert found(cast["rep_sh1"], "oynn") == {"employees": ["欧阳娜娜"]}
    assert found(cast["rep_sh1"], "1111") == {"employees": ["欧阳娜娜"]}
    new.user.delete()  # the employee goes with the account
    assert found(cast["rep_sh1"], "oynn") == {}
    assert not SearchEntry.objects.filter(object_id=new.pk, content_type__model="employee").exists()


def test_a_renamed_department_renames_its_entry_and_its_people(cast):
    services.department_update(actor=None, department=dept("SH"), name="浦东团队")
    director = cast["director"]
    assert found(director, "浦东") == {"departments": ["浦东团队"], "employees": SH_TEAM}
    assert found(director, "上海") == {"employees": ["陈静"]}  # her title: 上海团队主管
    assert found(director, "pudong") == {"departments": ["浦东团队"], "employees": SH_TEAM}
    [hit] = search(director, "张伟").groups[0].items
    assert hit.subtitle == "销售代表 · 浦东团队"


def test_a_renamed_region_renames_the_subtitle_of_its_teams(cast):
    services.department_update(actor=None, department=dept("EAST"), name="长三角大区")
    [group] = search(cast["director"], "上海", types=["departments"]).groups
    assert group.items[0].subtitle == "长三角大区 · SH"


def test_a_deleted_department_is_gone(cast):
    hq = dept("HQ")
    empty = services.department_create(actor=None, name="临时项目组", parent=hq)
    assert found(cast["director"], "临时") == {"departments": ["临时项目组"]}
    services.department_delete(actor=None, department=empty)
    assert found(cast["director"], "临时") == {}


def test_a_login_does_not_reindex(cast, django_assert_num_queries):
    from django.contrib.auth.models import update_last_login

    user = cast["rep_sh1"]
    with django_assert_num_queries(1):  # the UPDATE of last_login only
        update_last_login(None, user)


def test_bulk_updates_bypass_the_index_until_reindex(cast):
    Department.objects.unscoped(reason="test").filter(code="SH").update(name="静安团队")
    director = cast["director"]
    assert found(director, "静安") == {}  # .update() sends no signal
    assert reindex(Department) == {"org.department": 9}
    assert found(director, "静安") == {"departments": ["静安团队"]}


def test_reindex_rebuilds_everything(cast):
    SearchEntry.objects.all().delete()
    assert found(cast["director"], "张伟") == {}
    counts = reindex()
    assert {k: v for k, v in counts.items() if k.startswith("org.")} == {
        "org.department": 9,
        "org.employee": 20,
    }
    assert not any(v for k, v in counts.items() if not k.startswith("org."))  # no CRM records here
    assert found(cast["director"], "张伟") == {"employees": ["张伟"]}
    assert SearchEntry.objects.count() == 29


def test_reindex_removes_entries_of_deleted_records(cast):
    ct = ContentType.objects.get_for_model(Employee)
    SearchEntry.objects.create(content_type=ct, object_id=999_999, title="幽灵", tokens="幽灵")
    assert found(cast["director"], "幽灵") == {}  # not in the scope: the record does not exist
    reindex(Employee)
    assert not SearchEntry.objects.filter(object_id=999_999).exists()


# --- Queries and the database's own index ----------------------------------------------------------------


def test_one_query_per_search(cast, django_assert_num_queries):
    rep, director = cast["rep_sh1"], cast["director"]
    for user in (rep, director):
        grants_for(user)  # read once per request, shared with the rest of the page
    search(rep, "上海")  # content types, cached for the process
    with django_assert_num_queries(1):
        search(rep, "zhang wei")
    with django_assert_num_queries(1):
        search(director, "5678")


def test_the_scope_is_probed_per_hit_not_read_whole(cast):
    """The scope joins as a correlated EXISTS per full-text hit; `object_id IN (visible ids)` would read
    the user's whole visible set on every search (220-340 ms on PostgreSQL at 100,000 customers)."""
    rep = cast["rep_sh1"]
    grants_for(rep)
    with CaptureQueriesContext(connection) as ctx:
        groups = search(rep, "上海").groups
    assert groups
    [sql] = [q["sql"] for q in ctx.captured_queries if "search_searchentry" in q["sql"]]
    assert '"object_id" IN (SELECT' not in sql
    assert sql.count("EXISTS(") >= len(searchable_types(rep))
    if connection.vendor == "postgresql":  # one branch per type: each scope becomes a semi-join
        assert sql.count("UNION ALL") == len(searchable_types(rep)) - 1


def test_the_fulltext_index_exists(cast):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT type, name FROM sqlite_master WHERE name LIKE 'search_searchentry_fts%%'")
            objects = set(cursor.fetchall())
            assert {
                ("table", "search_searchentry_fts"),
                ("trigger", "search_searchentry_fts_ai"),
                ("trigger", "search_searchentry_fts_ad"),
                ("trigger", "search_searchentry_fts_au"),
            } <= objects
        else:
            assert connection.vendor == "postgresql"
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [fulltext.PG_INDEX])
            [(definition,)] = cursor.fetchall()
            assert "USING gin (to_tsvector('simple'::regconfig, tokens))" in definition


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_postgresql_can_use_the_gin_index(cast):
    query = fulltext.tsquery(parse_query("zw"))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM search_searchentry "
            "WHERE to_tsvector('simple'::regconfig, tokens) @@ to_tsquery('simple'::regconfig, %s)",
            [query],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert fulltext.PG_INDEX in plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 triggers")
def test_sqlite_fts_follows_updates_and_deletes(cast):
    entry = SearchEntry.objects.get(title="张伟")
    entry.tokens = "独角 角兽"
    entry.save()
    assert found(cast["director"], "张伟") == {}
    assert found(cast["director"], "独角") == {"employees": ["张伟"]}
    entry.delete()
    assert found(cast["director"], "独角") == {}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 triggers")
def test_reindex_restores_lost_triggers(cast):
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER search_searchentry_fts_ai")
    reindex()
    add_employee("newbie", "钱多多", "SH")
    assert found(cast["director"], "多多") == {"employees": ["钱多多"]}
