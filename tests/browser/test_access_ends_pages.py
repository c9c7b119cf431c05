"""Logging out on one device ends the chat page open on another: its socket
is closed by the server and the page sends the person to log in."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.browser.test_chat_pages import LIVE, open_group_room


def test_logging_out_elsewhere_sends_an_open_chat_page_to_the_login(browser, live_server, phone):
    email = "district-a3@demo.test"  # no other browser test logs in as this person
    room = open_group_room(phone, email)
    laptop = browser.new_context(base_url=live_server.url, locale="vi-VN")
    try:
        page = laptop.new_page()
        log_in(page, email)
        page.get_by_test_id("more-menu").click()  # log-out is under "More" in the top bar
        page.locator("form[action='/logout'] button").first.click()
        page.wait_for_url("**/login")
    finally:
        laptop.close()
    expect(phone).to_have_url(re.compile(rf"/login\?next=/chat/{room}$"), timeout=LIVE)
