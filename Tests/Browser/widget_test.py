#!/usr/bin/env python3
"""Real-browser test of the cvsearch demo page and its /widget.js search box.

Starts `cvsearch serve --port 0` on a fresh temporary index built from the corpus, drives
headless Chromium through Selenium, and checks, one named step each (PASS/FAIL):
page load without console errors, English and Chinese queries (titles, links, <mark>
highlights, partial-match badges), IME composition (synthetic events, then Chromium's own IME
emulation: no request while composing, one on commit), the typo-correction note, keyboard
navigation (arrows, Enter), the empty state, a screenshot (valid PNG of the viewport's size,
not blank) and a graceful server stop (SIGTERM, exit status 0). Ends with "N passed, N failed"
and exits non-zero if any step fails. Takes about 7 s.

Needs:  apt-get install chromium chromium-driver fonts-noto-cjk   (fonts: readable 中文 in the screenshot)
        pip install selenium                                      (Selenium 4)
Run:    python3 Tests/Browser/widget_test.py --binary .build/debug/cvsearch \
            --corpus corpus --screenshot /tmp/cvsearch-widget.png
"""
import argparse, os, re, shutil, signal, struct, subprocess, sys, tempfile, threading, time
from urllib.parse import quote

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

TIMEOUT = 10  # seconds, for every wait
# Installed before any page script runs, on every navigation: records the URLs the page fetches.
FETCH_SPY = """(function () { var realFetch = window.fetch; window.__fetched = [];
  window.fetch = function (input) { window.__fetched.push(String(input)); return realFetch.apply(this, arguments); };
})();"""

results = []  # (name, ok)


def step(name):
    """Decorator that runs the function at once: prints PASS/FAIL with the reason, never raises."""
    def run(fn):
        start, ok, why = time.monotonic(), True, ""
        try:
            fn()
        except Exception as error:  # an assertion, a timeout or a WebDriver error
            ok, why = False, f": {type(error).__name__}: {(str(error).strip() or '-').splitlines()[0]}"
        print(f"{'PASS' if ok else 'FAIL'}  {name} ({time.monotonic() - start:.2f} s){why}", flush=True)
        results.append((name, ok))
    return run


def start_server(binary, corpus, workdir):
    """cvsearch serve on a free port; returns (process, base URL, log lines)."""
    proc = subprocess.Popen([binary, "serve", "--port", "0", "--index", os.path.join(workdir, "index"),
                             "--corpus", corpus], cwd=workdir, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines, port, found = [], [], threading.Event()

    def drain():  # keep reading so the request log never fills the pipe
        for line in proc.stderr:
            lines.append(line.rstrip())
            match = re.search(r"serving http://127\.0\.0\.1:(\d+)/", line)
            if match and not found.is_set():
                port.append(int(match.group(1)))
                found.set()
    threading.Thread(target=drain, daemon=True).start()
    if not found.wait(TIMEOUT):
        proc.kill()
        raise RuntimeError("server did not report its port:\n" + "\n".join(lines))
    return proc, f"http://127.0.0.1:{port[0]}/", lines


def new_browser(chromium, chromedriver):
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1000,900",
                "--lang=zh-CN", "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    driver.set_page_load_timeout(TIMEOUT)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": FETCH_SPY})
    return driver


def console_errors(driver):
    return [e["message"] for e in driver.get_log("browser")
            if e["level"] == "SEVERE" and "favicon.ico" not in e["message"]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True, help="the built cvsearch executable")
    parser.add_argument("--corpus", required=True, help="corpus folder (only read)")
    parser.add_argument("--screenshot", required=True, help="where to save the results PNG")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="cvsearch-browser-")
    proc, driver = None, None
    try:
        proc, base, log = start_server(os.path.abspath(args.binary), os.path.abspath(args.corpus), workdir)
        driver = new_browser(args.chromium, args.chromedriver)
        wait = WebDriverWait(driver, TIMEOUT)
        box = lambda: driver.find_element(By.CSS_SELECTOR, "input.cvs-input")
        items = lambda: driver.find_elements(By.CSS_SELECTOR, "ul.cvs-list > li.cvs-item")
        js = driver.execute_script
        fetched = lambda: js("return window.__fetched")
        status = lambda: driver.find_element(By.CSS_SELECTOR, ".cvs-status").text

        def open_page():  # every step starts from a fresh page: a failure cannot cascade
            driver.get(base)
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "input.cvs-input"))

        def settled(query):
            """The last request was for `query` and its answer is rendered (items or the empty state)."""
            wait.until(lambda d: fetched() and f"q={quote(query, safe='')}&" in fetched()[-1]
                       and status() != "Searching…" and d.find_elements(By.CSS_SELECTOR, "ul.cvs-list > li"),
                       f"no rendered results for {query!r}")

        def search(query):
            """Escape clears the box (a widget feature); then type like a person would."""
            box().send_keys(Keys.ESCAPE)
            assert box().get_attribute("value") == "" and not items(), "Escape did not clear"
            box().send_keys(query)
            settled(query)

        def first(selector):
            return items()[0].find_element(By.CSS_SELECTOR, selector)

        @step("1 page loads: title, heading, widget, no console errors")
        def _():
            open_page()
            assert driver.title == "cvsearch", driver.title
            assert driver.find_element(By.TAG_NAME, "h1").text.strip(), "empty <h1>"
            assert box().get_attribute("role") == "combobox"
            errors = console_errors(driver)
            assert not errors, errors

        @step("2 English query 'RAG Qwen': title, link, <mark>, partial badge, status")
        def _():
            open_page()
            search("RAG Qwen")
            title = first(".cvs-title")
            assert title.text == "Project 3.2: Apple 自营店客服 RAG", title.text
            assert title.get_attribute("href").endswith("/#project-3-2"), title.get_attribute("href")
            assert "<mark>" in title.get_attribute("innerHTML"), title.get_attribute("innerHTML")
            assert first(".cvs-badge").text == "project", first(".cvs-badge").text
            assert any(i.find_elements(By.CSS_SELECTOR, ".cvs-partial") for i in items()), "no partial badge"
            assert re.match(r"\d+ results? · ", status()), status()

        @step("3 Chinese query '知识图谱': title and highlighted snippet")
        def _():
            open_page()
            search("知识图谱")
            assert first(".cvs-title").text == "Project 4: 商品理解大模型", first(".cvs-title").text
            snippet = first(".cvs-snippet").get_attribute("innerHTML")
            assert "<mark>知识图谱</mark>" in snippet, snippet

        @step("4 IME composition: no request while composing 'zhi', one for 知识 on compositionend")
        def _():
            open_page()
            js("""const input = document.querySelector('.cvs-input'); input.focus();
                  input.dispatchEvent(new CompositionEvent('compositionstart', {bubbles: true, data: ''}));
                  for (const text of ['z', 'zh', 'zhi']) {
                    input.value = text;
                    input.dispatchEvent(new InputEvent('input', {isComposing: true, bubbles: true,
                        inputType: 'insertCompositionText', data: text}));
                  }""")
            time.sleep(0.4)  # asserting that nothing happens: well past the widget's 150 ms debounce
            assert fetched() == [] and status() == "" and not items(), (fetched(), status())
            js("""const input = document.querySelector('.cvs-input'); input.value = '知识';
                  input.dispatchEvent(new CompositionEvent('compositionend', {bubbles: true, data: '知识'}));""")
            settled("知识")
            assert len(fetched()) == 1 and f"q={quote('知识')}&" in fetched()[0], fetched()
            assert "<mark>知识" in driver.find_element(By.CSS_SELECTOR, ".cvs-list").get_attribute("innerHTML"), \
                "no highlighted 知识 in the results"

        @step("4b real IME (Chromium's Input.imeSetComposition): pinyin 'zhishi' commits 知识, one request")
        def _():
            open_page()
            box().click()  # the IME types into the focused element
            for text in ("z", "zh", "zhi", "zhis", "zhishi"):  # Chromium fires input with isComposing
                driver.execute_cdp_cmd("Input.imeSetComposition",
                                       {"text": text, "selectionStart": len(text), "selectionEnd": len(text)})
            time.sleep(0.4)  # asserting that nothing happens, as in step 4
            assert fetched() == [], fetched()
            driver.execute_cdp_cmd("Input.insertText", {"text": "知识"})  # commit: compositionend
            settled("知识")
            assert len(fetched()) == 1 and f"q={quote('知识')}&" in fetched()[0], fetched()

        @step("5 typo 'langchan': note names 'langchain', right first title")
        def _():
            open_page()
            search("langchan")
            notes = [n.text for n in driver.find_elements(By.CSS_SELECTOR, "p.cvs-note")]
            assert any("'langchain'" in n for n in notes), notes
            assert first(".cvs-title").text == "Project 3.1: 京东商详页问答 RAG 模型", first(".cvs-title").text

        @step("6 keyboard: ArrowDown x2 selects 2nd, ArrowUp 1st, Enter opens it")
        def _():
            open_page()
            search("RAG Qwen")
            assert len(items()) >= 2, len(items())
            selected = lambda: [i.get_attribute("aria-selected") for i in items()]
            box().send_keys(Keys.ARROW_DOWN, Keys.ARROW_DOWN)
            assert selected()[:2] == ["false", "true"] and selected().count("true") == 1, selected()
            assert box().get_attribute("aria-activedescendant") == items()[1].get_attribute("id")
            box().send_keys(Keys.ARROW_UP)
            assert selected()[0] == "true" and selected().count("true") == 1, selected()
            href = first(".cvs-title").get_attribute("href")
            box().send_keys(Keys.ENTER)
            wait.until(lambda d: d.current_url == href, f"url is {driver.current_url}, wanted {href}")
            assert href.endswith("#project-3-2"), href

        @step("6b typing then Enter at once searches the new text (does not open the old selection)")
        def _():
            open_page()
            search("RAG Qwen")
            box().send_keys(Keys.ARROW_DOWN)
            before = driver.current_url
            box().send_keys(" 知识图谱", Keys.ENTER)
            settled("RAG Qwen 知识图谱")
            assert driver.current_url == before, f"navigated to {driver.current_url}"

        @step("6c after an error answer, Enter does not open a result of the previous query")
        def _():
            open_page()
            search("RAG Qwen")
            box().send_keys(Keys.ARROW_DOWN)
            before = driver.current_url
            box().send_keys(Keys.ESCAPE)
            js("const i = document.querySelector('input.cvs-input'); i.value = 'a'.repeat(1100);"
               "i.dispatchEvent(new Event('input', {bubbles: true}));")
            wait.until(lambda d: "limit is 1024" in status(), f"status is {status()!r}")
            assert not items() and box().get_attribute("aria-activedescendant") is None
            assert box().get_attribute("aria-expanded") == "false"
            box().send_keys(Keys.ENTER)
            time.sleep(0.3)
            assert driver.current_url == before, f"navigated to {driver.current_url}"

        @step("7 empty state 'xyzzy': li.cvs-empty shown, no items")
        def _():
            open_page()
            search("xyzzy")
            empty = driver.find_element(By.CSS_SELECTOR, "li.cvs-empty")
            assert empty.is_displayed() and "xyzzy" in empty.text, empty.text
            assert not items()
            assert box().get_attribute("aria-expanded") == "false"

        @step("8 screenshot of 'RAG Qwen': valid PNG of the viewport's size, not blank, hit in view")
        def _():
            driver.get("about:blank")
            blank = driver.get_screenshot_as_png()
            open_page()
            search("RAG Qwen")
            png = driver.get_screenshot_as_png()
            with open(args.screenshot, "wb") as out:
                out.write(png)
            assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR", "not a PNG"
            width, height = struct.unpack(">II", png[16:24])
            view = js("return [innerWidth * devicePixelRatio, innerHeight * devicePixelRatio]")
            assert [width, height] == view, f"PNG {width}x{height}, viewport {view}"
            # headless=new keeps room for (invisible) browser UI: a 1000x900 window has a 1000x757 viewport
            assert width == 1000 and 600 <= height <= 900, f"PNG {width}x{height}, window 1000x900"
            assert len(png) > 5 * len(blank), f"{len(png)} bytes vs {len(blank)} for about:blank"
            rect = js("const r = document.querySelector('.cvs-item').getBoundingClientRect();"
                      "return [r.top, r.left, r.bottom, r.right, innerHeight, innerWidth]")
            top, left, bottom, right, vh, vw = rect
            assert 0 <= top < bottom <= vh and 0 <= left < right <= vw, rect

        @step("9 no console errors during the whole session (but the 400 step 6c asked for)")
        def _():
            errors = [e for e in console_errors(driver) if "400" not in e]
            assert not errors, errors
    except Exception as error:  # setup failed: server or browser did not start
        print(f"FAIL  setup: {type(error).__name__}: {error}", flush=True)
        results.append(("setup", False))
    finally:
        if driver:
            driver.quit()
        if proc:
            @step("10 server stops on SIGTERM with exit status 0 within 10 s")
            def _():
                proc.send_signal(signal.SIGTERM)
                status = proc.wait(TIMEOUT)
                assert status == 0, f"exit status {status}\n" + "\n".join(log[-5:])
            if proc.poll() is None:
                proc.kill()
        shutil.rmtree(workdir, ignore_errors=True)

    failed = sum(not ok for _, ok in results)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
