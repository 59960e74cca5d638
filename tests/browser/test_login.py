"""Sign-in, the wrong password and sign-out through the real pages, at desktop and phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from opensales.accounts.forms import LoginForm

from .conftest import DEMO_PASSWORD, open_user_menu, submit_login, translated, visible

pytestmark = pytest.mark.browser


def test_wrong_password_shows_the_error_and_stays_on_the_login_page(page, cast, live_server):
    page.goto("/accounts/login/")
    submit_login(page, "rep_sh1", "not-the-password")

    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.locator('[role="alert"]')).to_have_text(translated(LoginForm.error_messages["invalid_login"]))
    expect(page.locator('input[name="username"]')).to_have_value("rep_sh1")
    expect(page.locator('input[name="password"]')).to_have_value("")
    expect(page.locator('[data-testid="user-menu"]')).to_have_count(0)
    # Still signed out: the home page sends us back to the login form.
    page.goto("/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")


def test_right_password_lands_on_the_home_page_with_the_full_name(
    page, signed_in, live_server, viewport_name
):
    signed_in(page, "rep_sh1")

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("h2.page-title")).to_have_text(translated("Welcome, %(name)s") % {"name": "张伟"})
    menu = visible(page, "user-menu")
    expect(menu).to_have_count(1)
    expect(menu.locator(".avatar")).to_have_text("张")
    if viewport_name == "desktop":
        # The top bar shows the name and title beside the avatar from 1200 px on.
        expect(menu).to_contain_text("张伟")
        expect(menu).to_contain_text("销售代表")


def test_sign_out_through_the_user_menu(page, signed_in, live_server):
    signed_in(page, "rep_sh1")

    open_user_menu(page)
    logout = visible(page, "logout")
    expect(logout).to_have_count(1)
    logout.click()

    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.locator('input[name="password"]')).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")


def test_a_signed_in_user_can_sign_in_again_after_signing_out(page, signed_in, live_server):
    signed_in(page, "manager_east")
    open_user_menu(page)
    visible(page, "logout").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")

    submit_login(page, "manager_east", DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/")
