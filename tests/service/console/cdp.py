"""A page in a real headless Chromium, driven over the DevTools protocol through a pipe
(``--remote-debugging-pipe``: no websocket library, no port), for tests that click.

The browser is the report tests' (``tests/report/report_browser.py``: the same binary, flags and
skip-or-fail rule when it is missing). Waiting happens in the page: :meth:`Page.wait_for` hands the
browser a condition and returns when it holds (or fails naming it after ``timeout`` seconds), so no
test sleeps.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "report"))
from report_browser import FLAGS, need_chromium  # noqa: E402

__all__ = ["Page"]

#: the report tests' flags, with one exception to "no network": the console's own server on loopback
BROWSER_FLAGS = [("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" if flag.startswith("--host-resolver-rules")
                  else flag) for flag in FLAGS]


class Page:
    def __init__(self, profile: Path, *, width: int = 1280, height: int = 900) -> None:
        chromium = need_chromium()
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()

        def wire_pipes() -> None:  # the browser reads commands on fd 3 and writes answers on fd 4
            read_end, write_end = os.dup(to_browser_read), os.dup(from_browser_write)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.process = subprocess.Popen(
            [chromium, *BROWSER_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe",
             f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=False, preexec_fn=wire_pipes)
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next_id = 0
        self.errors: list[str] = []  # uncaught exceptions and console errors of the page
        self.session: str | None = None
        target = next(t for t in self.send("Target.getTargets")["targetInfos"] if t["type"] == "page")
        self.session = self.send("Target.attachToTarget", targetId=target["targetId"], flatten=True)["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)

    # -- the protocol -------------------------------------------------------------------------------------

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if self.session is not None:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._receive()
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self._note(answer)

    def _receive(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed its DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)  # type: ignore[no-any-return]

    def _note(self, event: dict[str, Any]) -> None:
        method = event.get("method")
        params = event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.errors.append(str(details.get("exception", {}).get("description") or details.get("text")))
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.errors.append(" ".join(str(a.get("value", a.get("description"))) for a in params.get("args", [])))

    # -- what tests do --------------------------------------------------------------------------------------

    def evaluate(self, expression: str) -> Any:
        answer = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in answer:
            raise AssertionError(f"{expression!r} failed in the page: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def open(self, url: str, ready: str = "document.body && document.body.dataset.ready === '1' || "
                                         "document.body.dataset.version !== undefined") -> None:
        navigated = self.send("Page.navigate", url=url)
        if navigated.get("errorText"):
            raise AssertionError(f"{url}: {navigated['errorText']}")
        self.wait_for(f"document.readyState === 'complete' && location.href === {json.dumps(url)}")
        self.wait_for(ready)

    def wait_for(self, condition: str, timeout: float = 30.0) -> Any:
        """Wait, in the page, until ``condition`` (a JS expression) is truthy; its value."""
        script = f"""new Promise(function (resolve, reject) {{
            var until = Date.now() + {timeout * 1000:.0f};
            (function check() {{
                var value; try {{ value = ({condition}); }} catch (e) {{ value = undefined; }}
                if (value) {{ resolve(value); return; }}
                if (Date.now() > until) {{ reject(new Error('timed out waiting for ' + {json.dumps(condition)})); return; }}
                setTimeout(check, 20);
            }})();
        }})"""
        for _ in range(50):  # a navigation replaces the page the condition was waiting in: ask the new one
            try:
                return self.evaluate(script)
            except RuntimeError as gone:
                if "navigated or closed" not in str(gone) and "context was destroyed" not in str(gone):
                    raise
        raise AssertionError(f"the page kept navigating while waiting for {condition}")

    def click(self, selector: str) -> None:
        self.wait_for(f"document.querySelector({json.dumps(selector)})")
        self.evaluate(f"""(function () {{ var node = document.querySelector({json.dumps(selector)});
            node.scrollIntoView({{block: 'center'}});
            node.dispatchEvent(new MouseEvent('click', {{bubbles: true, cancelable: true, view: window}})); }})()""")

    def type_into(self, selector: str, text: str) -> None:
        """Replace a field's text as a user would: focus it, select all, type."""
        self.click(selector)
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus(); "
                      f"document.querySelector({json.dumps(selector)}).select()")
        self.send("Input.insertText", text=text)

    def text(self, selector: str) -> str:
        return str(self.evaluate(f"document.querySelector({json.dumps(selector)}).textContent"))

    def screenshot(self, path: Path, *, full_height: int | None = None, top_of: str | None = None) -> Path:
        """A PNG of the page (``full_height``: this many CSS pixels from the top, or from the top of
        the element ``top_of``; else the window)."""
        params: dict[str, Any] = {"format": "png"}
        if full_height is not None:
            width = self.evaluate("document.documentElement.clientWidth")
            top = 0
            if top_of is not None:
                top = max(0, int(self.evaluate(f"document.querySelector({json.dumps(top_of)})"
                                               ".getBoundingClientRect().top + window.scrollY - 12")))
            height = min(full_height, self.evaluate("document.documentElement.scrollHeight") - top)
            params.update(captureBeyondViewport=True, clip={"x": 0, "y": top, "width": width, "height": height,
                                                            "scale": 1})
        self.evaluate("window.scrollTo(0, 0)")
        data = self.send("Page.captureScreenshot", **params)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (RuntimeError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)

    def __enter__(self) -> Page:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
