"""The browser harness lives in tests/browser/harness.py, registered once for the whole session by the
root conftest.py (`pytest_plugins`): browser tests of every app share one Playwright and one Chromium.
The helpers are re-exported here for the tests of this folder."""

from tests.browser.harness import (  # noqa: F401
    DEMO_PASSWORD,
    LOGIN_FORM,
    open_user_menu,
    submit_login,
    translated,
    visible,
)
