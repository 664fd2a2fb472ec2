"""The MLflow UI as a user opens it, in headless Chromium (Debian's ``chromium`` and
``chromium-driver`` packages, driven by Selenium): on a finished pipeline run the
experiment opens on the training runs table, the table shows ``test_accuracy``, and the
run's learning-curve PNG renders (the browser decoded it: ``naturalWidth`` > 0). The
screenshots are kept as test artifacts in ``$SEQKERAS_TEST_ARTIFACTS`` (default
``test-artifacts/`` in the working folder).

MLflow 3's UI opens an experiment on the GenAI traces overview unless the user's
workflow switch (kept in the browser) says "Model training"; seqkeras tags its
experiments ``mlflow.experimentKind = custom_model_development`` and prints links with
``?workflowType=machine_learning``, which the test follows (seqkeras.tracking.ui_url)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from seqkeras.errors import SeqkerasError
from tests.tracking.server_fixture import free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(1200)]

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def artifacts_dir() -> Path:
    path = Path(os.environ.get("SEQKERAS_TEST_ARTIFACTS", "test-artifacts")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed (pip install -e '.[dev]')")
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not Path(path).exists():
            pytest.skip(f"{path} missing: Debian's {package} package is not installed "
                        f"(apt-get install -y {package}; `make system-deps`)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=2400,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(180)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def ui(exported_twice, tmp_path_factory):
    """``mlflow server`` (the UI) on the pipeline's sqlite store, on a free port."""
    from seqkeras.tracking.server import MlflowServer

    root = tmp_path_factory.mktemp("ui")
    server = MlflowServer(exported_twice.tracking_uri, root / "artifacts", free_port(),
                          root / "mlflow-ui.log", workers=1)
    try:
        server.start(timeout=300)
    except SeqkerasError as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()


def wait_until(driver, condition, timeout: float, what: str, shot: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(1)
    driver.save_screenshot(str(artifacts_dir() / shot))
    raise AssertionError(f"the MLflow UI did not show {what} within {timeout:.0f} s "
                         f"(screenshot {artifacts_dir() / shot})")


def test_runs_table_shows_test_accuracy_and_the_learning_curve_renders(exported_twice, ui,
                                                                        browser):
    from mlflow import MlflowClient
    from selenium.webdriver.common.by import By

    from seqkeras.tracking import ui_url

    client = MlflowClient(exported_twice.tracking_uri)
    experiment = client.get_experiment_by_name("sms_tiny")
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"
    [run] = client.search_runs([experiment.experiment_id], "metrics.test_accuracy >= 0")  # the trained one
    assert run.info.status == "FINISHED" and "test_accuracy" in run.data.metrics

    browser.get(ui_url(ui.url, experiment.experiment_id))
    body = lambda: browser.find_element(By.TAG_NAME, "body").text  # noqa: E731
    wait_until(browser, lambda: "matching run" in body() or "Run Name" in body(), 180,
               "the runs table", "mlflow-ui-runs-missing.png")
    assert "Traces 0" not in body()  # not the GenAI overview
    # the user's way to a metric column: sort the table by it
    sort = wait_until(browser, lambda: [b for b in browser.find_elements(By.TAG_NAME, "button")
                                        if b.text.startswith("Sort")], 60, "the Sort button",
                      "mlflow-ui-sort-missing.png")
    sort[0].click()
    option = wait_until(browser, lambda: browser.find_elements(
        By.CSS_SELECTOR, '[data-testid="sort-select-test_accuracy"]'), 60,
        "test_accuracy among the sort keys", "mlflow-ui-sort-options.png")
    option[0].click()
    wait_until(browser, lambda: browser.find_elements(
        By.XPATH, "//*[@role='columnheader'][contains(., 'test_accuracy')]"), 60,
        "a test_accuracy column", "mlflow-ui-column-missing.png")

    def shown_values():
        values = []
        for cell in browser.find_elements(By.CSS_SELECTOR, '[role="gridcell"][col-id*="test_accuracy"]'):
            try:
                values.append(float(cell.text.strip().rstrip(".…")))
            except ValueError:
                pass
        return values

    values = wait_until(browser, shown_values, 60, "test_accuracy values",
                        "mlflow-ui-values-missing.png")
    assert any(abs(v - run.data.metrics["test_accuracy"]) < 1e-3 for v in values), values
    for close in browser.find_elements(By.CSS_SELECTOR, 'button[aria-label="Close"]'):
        close.click()  # the assistant panel, for an uncluttered screenshot
    browser.save_screenshot(str(artifacts_dir() / "mlflow-ui-runs-table.png"))

    browser.get(ui_url(ui.url, experiment.experiment_id, run.info.run_id,
                       "train/learning_curves.png"))

    def rendered():  # the viewer fetches the file and shows it from a blob: URL
        if "train/learning_curves.png" not in body():
            return None
        for img in browser.find_elements(By.TAG_NAME, "img"):
            src = img.get_attribute("src") or ""
            if src.startswith("blob:") and browser.execute_script(
                    "return arguments[0].complete && arguments[0].naturalWidth", img):
                return img
        return None

    img = wait_until(browser, rendered, 180, "the learning-curve PNG",
                     "mlflow-ui-artifact-missing.png")
    assert browser.execute_script("return arguments[0].naturalWidth", img) > 100
    browser.save_screenshot(str(artifacts_dir() / "mlflow-ui-learning-curves.png"))
    for shot in ("mlflow-ui-runs-table.png", "mlflow-ui-learning-curves.png"):
        assert (artifacts_dir() / shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
