"""The language switch: Chinese by default for a Chinese browser, English on request, remembered."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import DEMO_PASSWORD, LOGIN_FORM, submit_login, translated, visible

pytestmark = pytest.mark.browser


def test_switching_to_english_changes_the_texts_and_persists_across_pages(page, cast, live_server):
    html = page.locator("html")
    sign_in_button = page.locator(LOGIN_FORM).locator('button[type="submit"]')
    page.goto("/accounts/login/")
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(sign_in_button).to_have_text("登录")
    expect(page.locator("h2")).to_have_text(translated("Sign in to your account"))
    assert translated("Sign in to your account") != "Sign in to your account"
    expect(page.locator('button[name="language"][value="zh-hans"]')).to_have_class(re.compile(r"\bfw-bold\b"))

    page.locator('button[name="language"][value="en"]').click()

    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(html).to_have_attribute("lang", "en")
    expect(sign_in_button).to_have_text("Sign in")
    expect(page.locator("h2")).to_have_text("Sign in to your account")
    expect(page.locator('button[name="language"][value="en"]')).to_have_class(re.compile(r"\bfw-bold\b"))
    expect(page.locator('button[name="language"][value="zh-hans"]')).not_to_have_class(
        re.compile(r"\bfw-bold\b")
    )

    # The choice survives signing in and following links: it lives in a cookie, not the session.
    submit_login(page, "rep_sh1", DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("h2.page-title")).to_have_text("Welcome, 张伟")
    expect(page.locator("dl dt").first).to_have_text("Department")
    page.goto("/accounts/password/")
    expect(html).to_have_attribute("lang", "en")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies["opensales_language"] == "en"
    other_tab = page.context.new_page()
    other_tab.goto("/")
    expect(other_tab.locator("html")).to_have_attribute("lang", "en")
    other_tab.close()


def test_switching_back_to_chinese_through_the_language_menu(page, signed_in, live_server):
    html = page.locator("html")
    signed_in(page, "rep_sh1")
    page.goto("/accounts/password/")
    menu = visible(page, "language-menu")
    menu.click()
    menu.locator("xpath=..").locator('button[value="en"]').click()
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{live_server.url}/accounts/password/")

    menu = visible(page, "language-menu")
    menu.click()
    chinese = menu.locator("xpath=..").locator('button[value="zh-hans"]')
    expect(chinese).to_have_text("简体中文")
    chinese.click()

    expect(page).to_have_url(f"{live_server.url}/accounts/password/")
    expect(html).to_have_attribute("lang", "zh-hans")
    page.goto("/")
    expect(html).to_have_attribute("lang", "zh-hans")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies["opensales_language"] == "zh-hans"
