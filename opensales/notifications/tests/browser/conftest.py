"""The browser harness of tests/browser (Chromium, both widths, page problems fail the test), reused."""

from tests.browser.conftest import (  # noqa: F401
    browser,
    context,
    page,
    playwright,
    pytest_runtest_makereport,
    signed_in,
    viewport_name,
)
