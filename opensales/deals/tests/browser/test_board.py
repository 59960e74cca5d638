"""The deal board in a real browser, at desktop and phone width, in Chinese and English: rep_sh1 moves
a deal to the next stage (desktop: drag and drop; phone: the card's stage select) and sees the column
totals change; manager_east sees the team's deals on the board, his own and his reps', not another
region's."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation
from playwright.sync_api import expect

from tests.browser.conftest import translated

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _deal(owner, name, amount, customer_name):
    from opensales.customers.models import Customer
    from opensales.deals.services import opportunity_create

    customer = Customer.objects.create(name=customer_name, owner=owner)
    return opportunity_create(actor=owner, customer=customer, name=name, amount=Decimal(amount))


def _money(amount, language):
    """¥1,000.00 in Chinese, CN¥1,000.00 in English: the board's `money` filter in that language."""
    from opensales.core.templatetags.opensales import format_money

    with translation.override(language):
        return format_money(Decimal(amount))


def _deal_count(n, language):
    with translation.override(language):
        return translation.ngettext("%(n)s deal", "%(n)s deals", n) % {"n": n}


def test_rep_moves_a_deal_to_the_next_stage(page, signed_in, viewport_name, language, live_server):
    cast = signed_in.users
    _deal(cast["rep_sh1"], "华信 CRM 项目", "100000", "上海华信科技有限公司")
    _deal(cast["rep_sh2"], "刘洋的项目", "5000", "杭州某公司")
    signed_in(page, "rep_sh1")
    page.goto("/deals/board/")
    summary = page.locator('[data-testid="board-summary"]')
    expect(summary).to_contain_text(translated("Weighted", language))
    expect(summary).to_contain_text(_deal_count(1, language))
    first, second = page.locator('[data-testid="column-1"]'), page.locator('[data-testid="column-2"]')
    cards = page.locator('[data-testid="card"]')
    expect(cards).to_have_count(1)
    expect(first.locator('[data-testid="column-total"]')).to_have_text(_money("100000", language))
    expect(second.locator('[data-testid="column-total"]')).to_have_text(_money("0", language))
    card = first.locator('[data-testid="card"]')
    if viewport_name == "phone":
        # Stage names are data (the pipeline's own), the same in both languages.
        card.locator('[data-testid="card-stage"]').select_option(label="需求确认")
    else:
        box = card.bounding_box()
        target = second.locator(".deal-cards").bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 12)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] / 2 + 20, box["y"] + 20, steps=5)
        page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 30, steps=15)
        page.mouse.up()
    expect(second.locator('[data-testid="card"]')).to_have_count(1)
    expect(second.locator('[data-testid="column-total"]')).to_have_text(_money("100000", language))
    expect(second.locator('[data-testid="column-weighted"]')).to_have_text(_money("25000", language))
    expect(page.locator('[data-testid="column-1"] [data-testid="column-total"]')).to_have_text(
        _money("0", language)
    )
    expect(page.locator('[data-testid="board-weighted"]')).to_have_text(_money("25000", language))

    from opensales.deals.models import Opportunity

    opp = Opportunity.objects.unscoped(reason="test").get(name="华信 CRM 项目")
    assert (opp.stage.name, opp.probability, opp.version) == ("需求确认", 25, 2)
    assert opp.stage_history.count() == 2
    # The move survives a reload (it was saved, not only moved on the page).
    page.reload()
    expect(page.locator('[data-testid="column-2"] [data-testid="card-name"]')).to_have_text("华信 CRM 项目")


def test_manager_sees_the_team_board(page, signed_in, language, live_server):
    cast = signed_in.users
    _deal(cast["manager_east"], "大区经理的项目", "500", "客户丁")
    _deal(cast["rep_sh1"], "张伟的项目", "1000", "客户甲")
    _deal(cast["rep_sh2"], "刘洋的项目", "2000", "客户乙")
    _deal(cast["rep_gz1"], "广州的项目", "4000", "客户丙")
    signed_in(page, "manager_east")
    page.goto("/deals/board/")
    names = page.locator('[data-testid="card-name"]')
    expect(names).to_have_count(3)
    columns = page.locator('[data-testid="board-columns"]')
    for name in ("大区经理的项目", "张伟的项目", "刘洋的项目"):
        expect(columns).to_contain_text(name)
    expect(columns).not_to_contain_text("广州的项目")
    expect(page.locator('[data-testid="board-summary"]')).to_contain_text(_deal_count(3, language))
    expect(page.locator('[data-testid="board-total"]')).to_have_text(_money("3500", language))
