"""Drives Debian's Chromium through the /docs page: the endpoint list renders, and its "try it"
control performs one real call. Usage: docs_try_it.py BASE_URL SCREENSHOT.png

Run by the Rust test `docs::the_docs_page_renders_and_tries_a_call_in_chromium`; exits non-zero
with a message on the first thing that does not happen.
"""

import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from chromium import browser


def main(base: str, screenshot: str) -> None:
    driver = browser()
    try:
        driver.get(base + "/docs/")
        wait = WebDriverWait(driver, 30)
        blocks = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock") or None)
        paths = [b.find_element(By.CSS_SELECTOR, ".opblock-summary-path").text for b in blocks]
        assert len(blocks) >= 22, f"only {len(blocks)} operations rendered: {paths}"
        assert "/reviews/meta" in paths, paths

        # Open GET /reviews/meta and run it with product_id 1 through the page's own control.
        meta = next(
            b for b in blocks
            if "opblock-get" in b.get_attribute("class")
            and b.find_element(By.CSS_SELECTOR, ".opblock-summary-path").text == "/reviews/meta"
        )
        meta.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
        field = wait.until(lambda d: meta.find_elements(By.CSS_SELECTOR, "input[placeholder='product_id']") or None)[0]
        field.send_keys("1")
        meta.find_element(By.CSS_SELECTOR, "button.execute").click()
        status = wait.until(
            lambda d: meta.find_elements(By.CSS_SELECTOR, ".live-responses-table tbody .response-col_status") or None
        )[0]
        body = meta.find_element(By.CSS_SELECTOR, ".live-responses-table .response-col_description pre").text
        assert status.text.strip().startswith("200"), f"status {status.text!r}: {body}"
        assert '"ratings"' in body and '"product_id": "1"' in body, body
        driver.execute_script("arguments[0].scrollIntoView()", meta)
        driver.save_screenshot(screenshot)
        severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not severe, f"console errors: {severe}"
        print(f"docs page: {len(blocks)} operations, GET /reviews/meta answered {status.text.strip()}")
    finally:
        driver.quit()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
