"""The comment routes: htmx partials, redirects, CSRF, 404 out of scope, escaping, the suggestions."""

import pytest
from django.test import Client
from django.urls import reverse

from opensales.comments import services
from opensales.comments.models import Comment
from opensales.org.models import Employee

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def employee(cast):
    return Employee.objects.unscoped(reason="test").get(user=cast["rep_sh2"])


def add_url(obj):
    return reverse("comments:add", args=[obj._meta.label_lower, obj.pk])


def test_htmx_post_returns_the_timeline_with_escaped_comment(cast, login, employee):
    response = login(cast["rep_sh1"]).post(add_url(employee), {"body": "<b>hi</b> @刘洋\n第二行"}, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="record-timeline"' in html
    assert "&lt;b&gt;hi&lt;/b&gt;" in html and "<b>hi</b>" not in html
    assert '<span class="comment-mention text-primary fw-medium">@刘洋</span><br>第二行' in html


def test_plain_post_redirects_to_a_safe_next_and_tells_of_unreachable_mentions(cast, login, employee):
    client = login(cast["rep_sh1"])
    page = reverse("org:employee_detail", args=[employee.pk])
    response = client.post(add_url(employee), {"body": "@徐丽 看看", "next": page})
    assert response.status_code == 302 and response["Location"] == page
    response = client.post(add_url(employee), {"body": "x", "next": "https://evil.example/"})
    assert response["Location"] == page  # the record's page, never another site
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("徐丽" in m for m in messages)


def test_unreachable_mention_notice_in_the_partial(cast, login, employee):
    response = login(cast["rep_sh1"]).post(add_url(employee), {"body": "@徐丽 看看"}, **HX)
    assert 'data-testid="comment-notice"' in response.content.decode()
    assert "徐丽" in response.content.decode()


def test_out_of_scope_and_unknown_models_are_404(cast, login, employee):
    client = login(cast["rep_gz1"])
    assert client.post(add_url(employee), {"body": "hi"}).status_code == 404
    assert client.post(reverse("comments:add", args=["auth.user", 1]), {"body": "hi"}).status_code == 404
    assert (
        client.post(reverse("comments:add", args=["audit.auditevent", 1]), {"body": "x"}).status_code == 404
    )
    assert Comment.objects.count() == 0


def test_csrf_is_enforced(cast, employee):
    client = Client(enforce_csrf_checks=True, HTTP_HOST="localhost")
    client.force_login(cast["rep_sh1"])
    assert client.post(add_url(employee), {"body": "hi"}).status_code == 403


def test_edit_page_and_save(cast, login, employee):
    comment = services.comment_add(actor=cast["rep_sh1"], record=employee, body="旧的").comment
    url = reverse("comments:edit", args=[comment.pk])
    assert login(cast["rep_sh1"]).get(url).status_code == 200
    assert login(cast["rep_sh2"]).get(url).status_code == 403
    assert login(cast["rep_gz1"]).get(url).status_code == 404
    response = login(cast["rep_sh1"]).post(url, {"body": "新的"}, **HX)
    assert response.status_code == 200 and "新的" in response.content.decode()
    assert login(cast["rep_sh1"]).post(url, {"body": ""}).status_code == 422


def test_delete_author_admin_and_others(cast, login, employee):
    comment = services.comment_add(actor=cast["rep_sh1"], record=employee, body="x").comment
    url = reverse("comments:delete", args=[comment.pk])
    assert login(cast["rep_gz1"]).post(url).status_code == 404
    assert login(cast["rep_sh2"]).post(url).status_code == 403
    assert login(cast["admin"]).post(url, **HX).status_code == 200
    assert not Comment.objects.exists()


def test_mention_suggestions_only_people_who_can_see_the_record(cast, login, account):
    url = reverse("comments:mention_suggest", args=["scopeapp.account", account.pk])
    client = login(cast["rep_sh1"])

    def usernames(q):
        return [item["username"] for item in client.get(url, {"q": q}).json()["items"]]

    assert usernames("王") == ["manager_east"]
    assert usernames("wang") == ["manager_east"]
    assert usernames("whT") == ["manager_east"]  # initials, any case
    assert usernames("刘") == []  # 刘洋 (rep_sh2) cannot see rep_sh1's account
    assert usernames("rep_sh") == []  # rep_sh1 is the asker, rep_sh2 cannot see it
    assert "lead_sh" in usernames("")
    assert login(cast["rep_gz1"]).get(url, {"q": "王"}).status_code == 404


def test_the_employee_page_shows_the_timeline_and_files(cast, login, employee):
    services.comment_add(actor=cast["rep_sh1"], record=employee, body="页面上的评论")
    html = login(cast["rep_sh1"]).get(reverse("org:employee_detail", args=[employee.pk])).content.decode()
    assert 'data-testid="record-timeline"' in html and "页面上的评论" in html
    assert 'data-testid="record-files"' in html
    assert 'data-testid="file-upload-form"' not in html  # a rep may not change an employee record
