"""The @mention parser and renderer (no database)."""

from types import SimpleNamespace

from opensales.comments.mentions import candidate_names, find_mentions, mention_starts, render_body


def u(pk, username, full_name=""):
    return SimpleNamespace(pk=pk, username=username, full_name=full_name)


ZHANG = u(1, "rep_sh1", "张伟")
ZHANG_WEIMIN = u(2, "zwm", "张伟民")
LIU = u(3, "rep_sh2", "刘洋")
ANNA = u(4, "anna", "Anna Li")
PEOPLE = [ZHANG, ZHANG_WEIMIN, LIU, ANNA]


def names(body, people=PEOPLE):
    return [(body[s:e], [p.pk for p in users]) for s, e, users in find_mentions(body, people)]


def test_chinese_name_glued_to_the_text():
    assert names("请@张伟看一下") == [("@张伟", [1])]


def test_longest_name_wins():
    assert names("@张伟民 和 @张伟，请看") == [("@张伟民", [2]), ("@张伟", [1])]


def test_username_and_full_name_with_a_space():
    assert names("cc @rep_sh2 and @Anna Li.") == [("@rep_sh2", [3]), ("@Anna Li", [4])]


def test_latin_name_must_not_run_on():
    assert names("@rep_sh2x @annab") == []


def test_an_email_address_is_not_a_mention():
    body = "mail rep@example.com or @刘洋"
    assert mention_starts(body) == [body.index("@刘洋")]
    assert names("zhang@rep_sh1.com") == []


def test_unknown_names_and_a_lone_at():
    assert names("@某人 @ @") == []


def test_candidates_are_the_prefixes_after_each_at():
    assert candidate_names("x @ab c\nd") == {"a", "ab", "ab c"}


def test_rendering_escapes_html_highlights_mentions_and_keeps_lines():
    html = render_body('<script>alert("x")</script>\n请@张伟看&一下', [ZHANG])
    assert html == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>请"
        '<span class="comment-mention text-primary fw-medium">@张伟</span>看&amp;一下'
    )


def test_a_name_with_markup_is_escaped_inside_the_highlight():
    evil = u(9, "evil", "<b>坏</b>")
    assert render_body("hi @<b>坏</b>", [evil]) == (
        'hi <span class="comment-mention text-primary fw-medium">@&lt;b&gt;坏&lt;/b&gt;</span>'
    )
