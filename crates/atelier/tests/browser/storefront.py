"""Drives Debian's Chromium through the storefront at /: a product, its styles, related
products, reviews and questions load; changing the review sort, marking a review helpful,
adding a sku to the cart and posting a question all work; no request fails and the console
stays clean. Usage: storefront.py BASE_URL SCREENSHOT_PREFIX

Run by the Rust test `tools::the_storefront_loads_a_product_and_its_controls_work_in_chromium`;
exits non-zero with a message on the first thing that does not happen.
"""

import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from chromium import browser


def texts(driver, selector):
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, selector)]


def review_ids(driver):
    # Read in one script, so a list re-rendered between finding its items and reading them
    # cannot leave a stale element (seen once in a run of the suite while the sort re-read it).
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#review-list article'), e => e.getAttribute('data-review'))"
    )


def main(base: str, screenshots: str) -> None:
    driver = browser()
    try:
        driver.get(base + "/?product=1")
        wait = WebDriverWait(driver, 30)
        wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
        assert driver.find_element(By.ID, "product-name").text == "Product 1"
        assert len(driver.find_elements(By.CSS_SELECTOR, "#styles button")) == 2, "two styles"
        assert len(driver.find_elements(By.CSS_SELECTOR, "#thumbs button")) == 2, "the default style's photos"
        assert texts(driver, "#related li strong") == ["Product 2", "Product 3"], texts(driver, "#related li")
        assert len(driver.find_elements(By.CSS_SELECTOR, "#features li")) == 3
        assert review_ids(driver), "reviews rendered"
        assert driver.find_elements(By.CSS_SELECTOR, "#questions article"), "questions rendered"
        driver.save_screenshot(screenshots + "-product.png")

        # The sort: the list is re-read in the newest order the API gives.
        newest = driver.execute_async_script(
            "const done = arguments[0];"
            "fetch('reviews?product_id=1&sort=newest&count=5').then(r => r.json())"
            ".then(p => done(p.results.map(r => String(r.review_id))))"
        )
        Select(driver.find_element(By.ID, "sort")).select_by_value("newest")
        wait.until(lambda d: review_ids(d) == newest)

        # Helpful: the count goes up by one.
        button = driver.find_element(By.CSS_SELECTOR, "#review-list article button.helpful")
        before = int(button.text.split("(")[1].rstrip(")"))
        button.click()
        wait.until(lambda d: f"({before + 1})" in d.execute_script(
            "return document.querySelector('#review-list article button.helpful').textContent"))

        # The cart: one of the chosen size.
        Select(driver.find_element(By.ID, "size")).select_by_index(0)
        driver.find_element(By.ID, "add-to-cart").click()
        wait.until(lambda d: d.find_element(By.ID, "cart-count").text == "1")

        # A style without photos or stock: the placeholder photo, no add to cart.
        driver.find_elements(By.CSS_SELECTOR, "#styles button")[1].click()
        assert driver.find_element(By.ID, "add-to-cart").get_attribute("disabled") is not None
        assert not driver.find_elements(By.CSS_SELECTOR, "#thumbs button")

        # A question, posted through the form, shows in the list.
        driver.find_element(By.ID, "ask-body").send_keys("Does it run large?")
        driver.find_element(By.ID, "ask-name").send_keys("shopper")
        driver.find_element(By.ID, "ask-email").send_keys("shopper@example.com")
        driver.find_element(By.CSS_SELECTOR, "#ask button[type=submit]").click()
        # Read in one script call: the list is replaced while it re-renders.
        wait.until(lambda d: "Does it run large?" in d.execute_script("return document.getElementById('questions').innerText"))

        failures = driver.execute_script("return window.atelierFailures")
        assert not failures, f"requests failed: {failures}"
        severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not severe, f"console errors: {severe}"
        driver.execute_script("window.scrollTo(0, document.getElementById('reviews').offsetTop)")
        driver.save_screenshot(screenshots + "-reviews.png")
        print("storefront: product, styles, related, reviews, questions; sort, helpful, cart and question worked")
    finally:
        driver.quit()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
