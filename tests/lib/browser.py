# SPDX-License-Identifier: MIT
"""browser.py: the web page in real headless Chromium, for the tests.

Debian's chromium + chromium-driver, driven by Debian's python3-selenium; no
npm and no browser download. What the browser tests need from it:

  b = Browser(work_dir)             starts chromium headless (new mode)
  b.get(url)                        loads a page
  b.js("return ...")                runs script in the page, returns its value
  b.wait_js("expr", 10, "what")     polls a JS expression until it is truthy
  b.console_errors()                SEVERE console lines so far (goog:loggingPrefs)
  b.requests()                      every URL the page requested (performance log)
  b.dialogs()                       alert/confirm/prompt texts (none may open)
  b.screenshot(path, full=True)     a PNG of the page (the whole page with full)
  b.quit()

Missing packages are a loud skip (exit 77 from the test), never a pass.
"""

import base64
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ndtest  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

# Recorded instead of shown: a page must never open a dialog, and a real one
# would block selenium.
_NO_DIALOGS = """
window.__ndDialogs = [];
for (const k of ['alert', 'confirm', 'prompt'])
  window[k] = (m) => { window.__ndDialogs.push(k + ': ' + String(m)); return null; };
"""


def missing():
    """What is missing to run the browser, as a message, or None."""
    for path, pkg in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.path.exists(path):
            return "%s not found (Debian package %s)" % (path, pkg)
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "python3-selenium is not installed"
    return None


def skip_if_missing():
    """Exits 77 (ctest skip) with a loud message when the browser can't run."""
    why = missing()
    if why:
        print("SKIP: the browser test cannot run: %s; deploy/install-deps.sh --test installs it" % why)
        sys.exit(ndtest.SKIP)


class Browser:
    def __init__(self, work_dir, width=1280, height=1000, dark=False, network_log=True):
        """network_log: keep Chromium's performance log (every request, and
        every WebSocket frame's payload: DevTools instrumentation that costs
        the page's main thread per frame). The rate measurement turns it off
        to measure the page as its users run it; requests() is then empty."""
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=work_dir)
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                  "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync",
                  "--window-size=%d,%d" % (width, height), "--user-data-dir=" + self.profile):
            opts.add_argument(a)
        if dark:
            opts.add_argument("--force-dark-mode")
        prefs = {"browser": "ALL"}
        if network_log:
            prefs["performance"] = "ALL"
        opts.set_capability("goog:loggingPrefs", prefs)
        self.network_log = network_log
        log = os.path.join(work_dir, "chromedriver.log")
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER, log_path=log), options=opts)
        self.driver.set_page_load_timeout(30)
        self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _NO_DIALOGS})
        if dark:
            self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
                "features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        self._console = []
        self._requests = []

    def get(self, url):
        self.driver.get(url)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def wait_js(self, expr, timeout, what, *args):
        """Polls the JS expression (arguments[0..] are args) until truthy; returns it."""
        script = "return (" + expr + ");"
        return ndtest.wait_for(lambda: self.js(script, *args), timeout, what, interval=0.05)

    def _drain_logs(self):
        for e in self.driver.get_log("browser"):
            self._console.append(e)
        for e in self.driver.get_log("performance") if self.network_log else []:
            try:
                m = json.loads(e["message"])["message"]
            except (ValueError, KeyError):
                continue
            if m.get("method") == "Network.requestWillBeSent":
                self._requests.append(m["params"]["request"]["url"])

    def console_errors(self):
        """The page's SEVERE console messages (script errors, failed loads) so far."""
        self._drain_logs()
        return [e["message"] for e in self._console if e.get("level") == "SEVERE"]

    def requests(self):
        self._drain_logs()
        return list(self._requests)

    def dialogs(self):
        return self.js("return window.__ndDialogs || [];")

    def screenshot(self, path, full=True):
        """A PNG of the viewport, or of the whole page with full."""
        if not full:
            self.driver.save_screenshot(path)
            return path
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True, "fromSurface": True})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        return path

    def quit(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)
