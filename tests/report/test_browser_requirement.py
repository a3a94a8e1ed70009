"""The browser tests' rule when chromium is missing: skip on a developer's machine, fail in CI.

``.ci/run`` sets ``ASLRUN_REQUIRE_BROWSER=1``, so a CI run whose browser could not be installed
fails instead of passing with every browser test skipped."""

from __future__ import annotations

import pytest
import report_browser


@pytest.fixture
def no_chromium(monkeypatch):
    monkeypatch.setattr(report_browser, "CHROMIUM", None)
    return monkeypatch


def test_without_chromium_a_browser_test_skips_by_default(no_chromium):
    no_chromium.delenv("ASLRUN_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        report_browser.need_chromium()
    assert str(skipped.value) == "chromium is not installed (run .ci/install-browser: apt-get install -y chromium)"


@pytest.mark.parametrize("value", ["", "0"])
def test_an_empty_or_zero_requirement_still_skips(no_chromium, value):
    no_chromium.setenv("ASLRUN_REQUIRE_BROWSER", value)
    with pytest.raises(pytest.skip.Exception):
        report_browser.need_chromium()


def test_without_chromium_a_browser_test_fails_when_ci_requires_the_browser(no_chromium):
    no_chromium.setenv("ASLRUN_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception) as failed:
        report_browser.need_chromium()
    assert str(failed.value) == (
        "chromium is not installed (run .ci/install-browser: apt-get install -y chromium); "
        "ASLRUN_REQUIRE_BROWSER=1 requires the browser tests to run"
    )


def test_another_missing_piece_uses_the_same_rule(no_chromium):
    no_chromium.setenv("ASLRUN_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="^no DevTools pipe; ASLRUN_REQUIRE_BROWSER=1"):
        report_browser.browser_missing("no DevTools pipe")


def test_with_chromium_installed_its_path_is_returned(monkeypatch):
    monkeypatch.setattr(report_browser, "CHROMIUM", "/opt/chromium/chrome")
    monkeypatch.setenv("ASLRUN_REQUIRE_BROWSER", "1")
    assert report_browser.need_chromium() == "/opt/chromium/chrome"
