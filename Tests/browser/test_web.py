"""Browser tests of the web app (web/) in headless Chromium, driven by Selenium.

Run against a server that serves web/ and the API on one origin, e.g. `funko serve`:

    FUNKO_WEB_URL=http://127.0.0.1:8765 FUNKO_SCREENSHOTS=build/screenshots \
        python -m pytest Tests/browser -q

Every figure the page shows is checked against the API's own answer (asked directly with
urllib). After every test the browser's console must hold no error and no Content-Security-Policy
report, and every request the page made must have gone to the server under test (data:/blob:
aside). Screenshots of the search, Pop and collection pages at 1280 and 375 px go to
FUNKO_SCREENSHOTS (default build/screenshots).
"""

import base64
import json
import os
import pathlib
import string
import tempfile
import urllib.error
import urllib.parse
import urllib.request

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = os.environ.get("FUNKO_WEB_URL", "").rstrip("/")
if not BASE:
    pytest.skip("FUNKO_WEB_URL is not set (the URL of a running `funko serve`)", allow_module_level=True)
SHOTS = pathlib.Path(os.environ.get("FUNKO_SCREENSHOTS", "build/screenshots"))
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
WAIT = float(os.environ.get("FUNKO_WEB_WAIT", "30"))
CONDITIONS = ["mint", "near_mint", "good", "fair", "poor"]
UNKNOWN_IDS = ["no-such-pop-1", "no-such-pop-2"]


# ----------------------------------------------------------------------------- the API, directly

def api(path, body=None):
    """(status, JSON) of an API call made without the browser."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method="GET" if body is None else "POST",
                                 headers={"Content-Type": "application/json"} if body is not None else {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def api_ok(path, body=None):
    status, answer = api(path, body)
    assert status == 200, (path, status, answer)
    return answer


def money(x):
    """Intl.NumberFormat("en-US", {style: "currency", currency: "USD"})."""
    return f"-${-x:,.2f}" if x < 0 else f"${x:,.2f}"


def money_range(lo, hi):
    return f"{money(lo)} – {money(hi)}"


def cents(x):
    return int(round(x * 100))


# ----------------------------------------------------------------------------- browsers

def make_driver(width, height, downloads=None):
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}",
                "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--metrics-recording-only", "--hide-scrollbars"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    if downloads:
        opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                               "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(WAIT)
    if downloads:
        driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    return driver


@pytest.fixture(scope="module")
def downloads():
    with tempfile.TemporaryDirectory(prefix="funko-web-dl-") as d:
        yield pathlib.Path(d)


@pytest.fixture(scope="module")
def desktop(downloads):
    driver = make_driver(1280, 900, downloads)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def phone():
    driver = make_driver(375, 812)
    # Headless Chromium keeps windows at least 500 px wide: emulate the phone's viewport exactly.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 375, "height": 812, "deviceScaleFactor": 2, "mobile": True})
    yield driver
    driver.quit()


class Logs:
    """Console and network records of one test; `allow` lists console errors a test provokes on purpose."""

    def __init__(self):
        self.allowed = []

    def allow(self, fragment):
        self.allowed.append(fragment)


def drain(driver):
    console = driver.get_log("browser")
    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return console, urls


@pytest.fixture
def logs(request):
    """Clears the drivers' logs before the test; after it, checks console and network (tests 9 and 10)."""
    drivers = [request.getfixturevalue(n) for n in ("desktop", "phone") if n in request.fixturenames]
    for d in drivers:
        drain(d)
    record = Logs()
    yield record
    problems = []
    for d in drivers:
        console, urls = drain(d)
        for e in console:
            text = e.get("message", "")
            if "Content Security Policy" in text or "Content-Security-Policy" in text:
                problems.append(f"CSP violation: {text}")
            elif e.get("level") == "SEVERE" and not any(a in text for a in record.allowed):
                problems.append(f"console error: {text}")
        for url in urls:
            if not (url.startswith(BASE + "/") or url == BASE or url.startswith(("data:", "blob:"))):
                problems.append(f"request to another host: {url}")
    assert not problems, "\n".join(problems)


def wait(driver, condition, message="", timeout=WAIT):
    def safe(d):
        try:
            return condition(d)
        except StaleElementReferenceException:
            return False
    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(safe, message)


def tid(driver, name):
    return driver.find_element(By.CSS_SELECTOR, f'[data-testid="{name}"]')


def tids(driver, name):
    return driver.find_elements(By.CSS_SELECTOR, f'[data-testid="{name}"]')


def text_of(driver, name):
    els = tids(driver, name)
    return els[0].text.strip() if els else None


def go(driver, hash_route):
    """Opens a route with a fresh page load (a new document: no state carried over)."""
    driver.get("about:blank")
    driver.get(f"{BASE}/{hash_route}")


def screenshot(driver, name, max_height=2400):
    """A PNG of the page beyond the viewport (its first `max_height` CSS pixels) in the screenshot folder."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    width = driver.execute_script("return window.innerWidth")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": min(size["height"], max_height), "scale": 1},
    })
    (SHOTS / name).write_bytes(base64.b64decode(shot["data"]))


def no_horizontal_overflow(driver):
    return driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")


# ----------------------------------------------------------------------------- data from the API

@pytest.fixture(scope="module")
def first_pop():
    answer = api_ok("/pops?limit=1")
    assert answer["pops"], "the catalog is empty"
    return answer["pops"][0]


@pytest.fixture(scope="module")
def real_ids():
    """148 distinct real ids, gathered from /pops searches (limit is at most 50 per call)."""
    ids = []
    for q in list(string.ascii_lowercase) + [str(n) for n in range(1, 40)]:
        for pop in api_ok("/pops?" + urllib.parse.urlencode({"q": q, "limit": 50}))["pops"]:
            if pop["funko_pop_id"] not in ids:
                ids.append(pop["funko_pop_id"])
        if len(ids) >= 148:
            return ids[:148]
    pytest.fail(f"the catalog answered only {len(ids)} distinct Pops; the collection test needs 148")


def predict(pop_id, condition, marketplace, future_days):
    return api_ok("/predict", {"funko_pop_id": pop_id, "condition": condition,
                               "marketplace": marketplace, "future_days": future_days})


# ----------------------------------------------------------------------------- page helpers

def search_settled(driver, q):
    """The results shown are the answer for `q` (typing and debouncing done)."""
    lists = driver.find_elements(By.ID, "search-results")
    return (lists and lists[0].get_attribute("data-query") == q.strip()
            and lists[0].find_element(By.XPATH, "..").get_attribute("aria-busy") is None)


def pop_page_ready(driver, pop):
    wait(driver, lambda d: text_of(d, "pop-name") == pop["funko_name"], "pop-name")
    wait(driver, lambda d: (text_of(d, "predicted-price") or "").startswith("$"), "a predicted price")


def shows_prediction(driver, expected):
    return (text_of(driver, "predicted-price") == money(expected["predicted_price"])
            and text_of(driver, "price-range") == money_range(expected["price_range"]["min"], expected["price_range"]["max"])
            and text_of(driver, "confidence") == f"{round(expected['confidence_score'] * 100)}%")


def controls(driver):
    return (Select(tid(driver, "condition-select")).first_selected_option.get_attribute("value"),
            Select(tid(driver, "marketplace-select")).first_selected_option.get_attribute("value"),
            int(tid(driver, "horizon-input").get_attribute("value")))


def set_horizon(driver, value):
    box = tid(driver, "horizon-input")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(str(value))


def chart_shows(driver, days, expected_points):
    chart = tid(driver, "history-chart")
    return (chart.get_attribute("data-days") == str(days)
            and chart.get_attribute("data-points") == str(expected_points)
            and chart.find_elements(By.TAG_NAME, "canvas"))


def horizon_error(driver):
    """The error-message element the horizon field points at with aria-describedby (or None)."""
    box = tid(driver, "horizon-input")
    for ident in (box.get_attribute("aria-describedby") or "").split():
        els = driver.find_elements(By.ID, ident)
        if els and els[0].get_attribute("data-testid") == "error-message" and els[0].is_displayed():
            return els[0]
    return None


# ----------------------------------------------------------------------------- tests

def test_search_by_keyboard_opens_the_pop(desktop, logs, first_pop):
    d = desktop
    go(d, "#/")
    box = wait(d, lambda d: tid(d, "search-input"))
    assert d.switch_to.active_element == box, "the search box has focus on arrival"
    box.send_keys("zzzz")
    box.send_keys(Keys.ESCAPE)
    wait(d, lambda d: tid(d, "search-input").get_attribute("value") == "", "Escape clears the box")

    name, pop_id = first_pop["funko_name"], first_pop["funko_pop_id"]
    part = name[: max(3, len(name) // 2)].strip()
    box.send_keys(part)
    wait(d, lambda d: search_settled(d, part), f"the results for {part!r}")
    wait(d, lambda d: any(r.get_attribute("data-pop-id") == pop_id for r in tids(d, "search-result")),
         f"{name} among the results for {part!r}")
    results = tids(d, "search-result")
    for r in results:
        assert r.text.strip(), "a result shows its name"
    if first_pop["last_sale"]:
        row = next(r for r in results if r.get_attribute("data-pop-id") == pop_id)
        assert money(first_pop["last_sale"]["price"]) in row.text
    screenshot(d, "search-desktop.png")

    # ArrowDown from the box walks the results until ours has focus, Enter opens it.
    for _ in range(len(results)):
        box = d.switch_to.active_element
        box.send_keys(Keys.ARROW_DOWN)
        if d.switch_to.active_element.get_attribute("data-pop-id") == pop_id:
            break
    assert d.switch_to.active_element.get_attribute("data-pop-id") == pop_id
    d.switch_to.active_element.send_keys(Keys.ENTER)
    wait(d, lambda d: d.current_url.split("#", 1)[-1].startswith(f"/pop/{pop_id}"), "the Pop's route")
    wait(d, lambda d: text_of(d, "pop-name") == name, "the Pop's name")


def test_prediction_equals_the_api_and_follows_the_controls(desktop, logs, first_pop):
    d = desktop
    pop_id = first_pop["funko_pop_id"]
    go(d, f"#/pop/{pop_id}")
    pop_page_ready(d, first_pop)
    condition, marketplace, horizon = controls(d)
    expected = predict(pop_id, condition, marketplace, horizon)
    wait(d, lambda d: shows_prediction(d, expected), f"the API's prediction for {condition}/{marketplace}/{horizon}")
    assert "80%" in tid(d, "price-range").find_element(By.XPATH, "..").text, "the range says it is 80%"

    first_price = expected["predicted_price"]
    changes = [("condition-select", "good"), ("marketplace-select", "mercari"), ("horizon-input", 120)]
    for control, value in changes:
        if control == "horizon-input":
            set_horizon(d, value)
        else:
            Select(tid(d, control)).select_by_value(value)
        condition, marketplace, horizon = controls(d)
        expected = predict(pop_id, condition, marketplace, horizon)
        wait(d, lambda d: shows_prediction(d, expected), f"the API's prediction after {control}={value}")
        if control == "condition-select":
            assert expected["predicted_price"] != first_price, "good condition is priced apart from mint"
    assert (condition, marketplace, horizon) == ("good", "mercari", 120)


def test_condition_matrix_shows_the_five_conditions(desktop, logs, first_pop):
    d = desktop
    pop_id = first_pop["funko_pop_id"]
    go(d, f"#/pop/{pop_id}?marketplace=whatnot&horizon=45")
    pop_page_ready(d, first_pop)
    expected = [money(predict(pop_id, c, "whatnot", 45)["predicted_price"]) for c in CONDITIONS]

    def prices(d):
        matrix = tid(d, "condition-matrix")
        return [e.text.strip() for e in matrix.find_elements(By.CSS_SELECTOR, '[data-testid="matrix-price"]')]
    wait(d, lambda d: prices(d) == expected, f"five prices {expected}")
    assert len(prices(d)) == 5 and all(p.startswith("$") for p in prices(d))


def test_history_chart_draws_every_sale(desktop, logs, first_pop):
    d = desktop
    pop_id = first_pop["funko_pop_id"]
    go(d, f"#/pop/{pop_id}")
    pop_page_ready(d, first_pop)
    counts = {}
    for days in (30, 365):
        history = api_ok(f"/history/{pop_id}?days={days}")
        counts[days] = len(history["sales"])
        Select(d.find_element(By.ID, "history-days")).select_by_value(str(days))
        wait(d, lambda d: chart_shows(d, days, counts[days]), f"{counts[days]} sale points for {days} days")
        table = tid(d, "sales-table")
        if history["sales"]:
            newest = max(history["sales"], key=lambda s: s["sold_at"])
            first_row = table.find_elements(By.CSS_SELECTOR, "tbody tr")[0]
            assert money(newest["price"]) in first_row.text, "the table starts with the newest sale"
    assert counts[365] > counts[30], f"a year holds more sales than a month: {counts}"
    canvas = tid(d, "history-chart").find_element(By.TAG_NAME, "canvas")
    assert canvas.size["width"] > 600 and canvas.size["height"] > 200
    screenshot(d, "pop-desktop.png")


def test_out_of_range_horizon_shows_the_api_message_next_to_the_field(desktop, logs, first_pop):
    d = desktop
    # The browser logs each 400 answer of /predict as a failed resource load: expected here only.
    logs.allow(f"{BASE}/predict - Failed to load resource: the server responded with a status of 400")
    pop_id = first_pop["funko_pop_id"]
    go(d, f"#/pop/{pop_id}")
    pop_page_ready(d, first_pop)
    condition, marketplace, _ = controls(d)
    status, answer = api("/predict", {"funko_pop_id": pop_id, "condition": condition,
                                      "marketplace": marketplace, "future_days": 400})
    assert status == 400
    message = answer["error"]["message"]
    set_horizon(d, 400)
    error = wait(d, horizon_error, "an error-message described by the horizon field")
    wait(d, lambda d: error.text.strip() == message, f"the API's message {message!r}")
    assert tid(d, "horizon-input").get_attribute("aria-invalid") == "true"

    set_horizon(d, 30)
    expected = predict(pop_id, condition, marketplace, 30)
    wait(d, lambda d: horizon_error(d) is None and shows_prediction(d, expected), "the error goes away")
    assert tid(d, "horizon-input").get_attribute("aria-invalid") is None


def test_collection_total_equals_the_batch_predictions(desktop, logs, real_ids, downloads):
    d = desktop
    ids = real_ids + UNKNOWN_IDS
    assert len(ids) == 150
    # What the page must show: POST /predict/batch in chunks of 100 (mint, ebay, today).
    total = lo = hi = 0
    unknown = {}
    names = {}
    for i in range(0, len(ids), 100):
        answer = api_ok("/predict/batch", {"funko_pop_ids": ids[i:i + 100], "condition": "mint",
                                           "marketplace": "ebay", "future_days": 0})
        for p in answer["predictions"]:
            total += cents(p["predicted_price"])
            lo += cents(p["price_range"]["min"])
            hi += cents(p["price_range"]["max"])
            names[p["funko_pop_id"]] = p["funko_name"]
        for e in answer["errors"]:
            unknown[e["funko_pop_id"]] = e["error"]["message"]
    assert set(unknown) == set(UNKNOWN_IDS) and len(names) == 148

    go(d, "#/collection")
    box = wait(d, lambda d: tid(d, "collection-input"))
    box.clear()
    box.send_keys("id,condition\n" + "\n".join(ids))
    Select(d.find_element(By.ID, "collection-condition")).select_by_value("mint")
    Select(tid(d, "collection-marketplace")).select_by_value("ebay")
    horizon = tid(d, "collection-horizon")
    horizon.send_keys(Keys.CONTROL, "a")
    horizon.send_keys("0")
    tid(d, "collection-value").click()

    total_el = wait(d, lambda d: tid(d, "collection-total").is_displayed() and tid(d, "collection-total"), "the total")
    text = total_el.text
    assert money(total / 100) in text, (money(total / 100), text)
    assert money_range(lo / 100, hi / 100) in text, (money_range(lo / 100, hi / 100), text)
    assert total_el.get_attribute("data-total") == f"{total / 100:.2f}"

    unknown_box = tid(d, "collection-unknown")
    for pid, msg in unknown.items():
        item = unknown_box.find_element(By.CSS_SELECTOR, f'[data-unknown-id="{pid}"]')
        assert msg in item.text
    rows = tid(d, "collection-table").find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == 148
    screenshot(d, "collection-desktop.png")

    # CSV export: one line per Pop owned, the API's prices.
    before = set(downloads.iterdir())
    tid(d, "collection-export").click()
    csv_file = wait(d, lambda d: next((f for f in set(downloads.iterdir()) - before
                                       if f.suffix == ".csv" and f.stat().st_size > 0), None), "the CSV download")
    lines = csv_file.read_text().strip().splitlines()
    assert lines[0] == "id,name,condition,predicted_price,range_min,range_max"
    assert len(lines) == 149
    assert sum(cents(float(line.rsplit(",", 3)[1])) for line in lines[1:]) == total

    # The pasted list survives a reload.
    d.refresh()
    wait(d, lambda d: tid(d, "collection-input").get_attribute("value").strip().endswith(UNKNOWN_IDS[-1]),
         "the collection kept in localStorage")


def test_collection_upload_counts_duplicates_and_reports_bad_lines(desktop, logs, real_ids, tmp_path):
    d = desktop
    a, b = real_ids[0], real_ids[1]
    pa = predict(a, "mint", "ebay", 0)
    pb = predict(b, "good", "ebay", 0)
    expected = 2 * cents(pa["predicted_price"]) + cents(pb["predicted_price"])
    upload = tmp_path / "my-pops.csv"
    upload.write_text(f"funko_pop_id,condition\n{a}\n{a},mint\n{b},Good\n{b},shiny\n")
    go(d, "#/collection")
    box = wait(d, lambda d: tid(d, "collection-input"))
    box.clear()
    d.find_element(By.ID, "collection-file").send_keys(str(upload))
    wait(d, lambda d: tid(d, "collection-input").get_attribute("value") == upload.read_text(), "the file in the box")
    tid(d, "collection-value").click()
    total_el = wait(d, lambda d: tid(d, "collection-total").is_displayed() and tid(d, "collection-total"), "the total")
    assert money(expected / 100) in total_el.text
    invalid = tid(d, "collection-invalid").text
    assert "Line 5" in invalid and "shiny" in invalid
    rows = tid(d, "collection-table").find_elements(By.CSS_SELECTOR, "tbody tr")
    assert [r.get_attribute("data-pop-id") for r in rows] == [a, b]
    assert rows[0].find_elements(By.CSS_SELECTOR, "td")[2].text.strip() == "2", "the same id twice counts twice"


def test_model_page_shows_the_served_model(desktop, logs):
    d = desktop
    status = api_ok("/model/status")
    go(d, "#/model")
    wait(d, lambda d: text_of(d, "model-version") == status["model_version"], status["model_version"])
    metrics = tid(d, "model-metrics")
    for name in status.get("baselines") or {}:
        assert metrics.find_elements(By.CSS_SELECTOR, "tbody tr"), name
    assert len(metrics.find_elements(By.CSS_SELECTOR, "tbody tr")) == 1 + len(status.get("baselines") or {})
    assert money(status["metrics"]["mae"]) in metrics.text
    drift = tid(d, "model-drift").text
    if status.get("drift") is None:
        assert "No drift report yet" in drift
    screenshot(d, "model-desktop.png")


def test_phone_width_nothing_overflows(phone, logs, first_pop, real_ids):
    d = phone
    go(d, "#/")
    box = wait(d, lambda d: tid(d, "search-input"))
    assert d.execute_script("return window.innerWidth") == 375
    part = first_pop["character"][:3]
    box.send_keys(part)
    wait(d, lambda d: search_settled(d, part) and len(tids(d, "search-result")) > 0, "results")
    scroll, inner = no_horizontal_overflow(d)
    assert scroll <= inner, f"search page: {scroll} > {inner}"
    screenshot(d, "search-phone.png")

    pop_id = first_pop["funko_pop_id"]
    go(d, f"#/pop/{pop_id}")
    pop_page_ready(d, first_pop)
    days = 90
    n = len(api_ok(f"/history/{pop_id}?days={days}")["sales"])
    wait(d, lambda d: chart_shows(d, days, n), "the chart")
    wait(d, lambda d: len(tid(d, "condition-matrix").find_elements(By.CSS_SELECTOR, '[data-testid="matrix-price"]')) == 5)
    scroll, inner = no_horizontal_overflow(d)
    assert scroll <= inner, f"Pop page: {scroll} > {inner}"
    canvas = tid(d, "history-chart").find_element(By.TAG_NAME, "canvas")
    assert canvas.size["width"] <= inner, "the chart fits the phone"
    screenshot(d, "pop-phone.png")

    go(d, "#/collection")
    box = wait(d, lambda d: tid(d, "collection-input"))
    box.clear()
    box.send_keys("\n".join(real_ids[:12] + [f"{real_ids[0]},near_mint", "no-such-pop-1", f"{real_ids[1]},shiny"]))
    tid(d, "collection-value").click()
    wait(d, lambda d: tid(d, "collection-total").is_displayed(), "the total")
    scroll, inner = no_horizontal_overflow(d)
    assert scroll <= inner, f"collection page: {scroll} > {inner}"
    screenshot(d, "collection-phone.png")

    go(d, "#/model")
    wait(d, lambda d: text_of(d, "model-version"), "the model page")
    scroll, inner = no_horizontal_overflow(d)
    assert scroll <= inner, f"model page: {scroll} > {inner}"


def test_every_page_is_clean_in_console_and_network(desktop, logs, first_pop):
    """Visits each page once; the `logs` fixture then proves no console error, no CSP report and
    no request to any host but the server under test."""
    d = desktop
    for route, ready in (("#/", lambda d: tids(d, "search-result")),
                         (f"#/pop/{first_pop['funko_pop_id']}", lambda d: tid(d, "history-chart").get_attribute("data-points")),
                         ("#/collection", lambda d: tid(d, "collection-input")),
                         ("#/model", lambda d: text_of(d, "model-version"))):
        go(d, route)
        wait(d, ready, route)
