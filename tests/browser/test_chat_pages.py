"""Two people in the group room, each in their own browser at 360 px: they
see each other's messages, typing and read receipts live; one loses the
network, writes two messages, comes back, and both arrive once."""
import uuid

import requests
from playwright.sync_api import expect

from tests.browser.conftest import assert_fits_phone, log_in, screenshot
from tests.live import bearer, token

LIVE = 15_000  # ms; the machine is shared, so generous, and no timing is asserted


def open_group_room(page, email: str) -> int:
    log_in(page, email)
    page.goto("/chat")
    page.locator('[data-testid="room"][data-kind="group"]').first.click()
    expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "online", timeout=LIVE)
    return int(page.locator("[data-chat-room]").get_attribute("data-chat-room"))


def send(page, text: str) -> None:
    page.get_by_test_id("message-input").fill(text)
    page.get_by_test_id("send-button").click()


def bodies(page, text: str):
    return page.get_by_test_id("message-list").locator('[data-testid="message"]', has_text=text)


def full_name(server, email: str) -> str:
    return requests.get(server.url + "/api/v1/me", headers=bearer(token(server.url, email)),
                        timeout=10).json()["full_name"]


def test_two_browsers_chat_live_and_nothing_is_lost_offline(browser, live_server, phone):
    commune = phone
    other = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                                locale="vi-VN", base_url=live_server.url)
    district = other.new_page()
    district.console_errors = []
    district.on("console", lambda m: district.console_errors.append(m.text) if m.type == "error" else None)
    try:
        room = open_group_room(commune, "commune@demo.test")
        assert open_group_room(district, "district@demo.test") == room
        run = uuid.uuid4().hex[:6]

        # typing, then the message itself, then the receipt
        commune.get_by_test_id("message-input").press_sequentially("Chào anh", delay=50)
        expect(district.get_by_test_id("typing-indicator")).not_to_be_empty(timeout=LIVE)
        commune.get_by_test_id("message-input").fill("")
        send(commune, f"Bệnh nhân huyết áp 170/100 ({run})")
        expect(bodies(district, run)).to_have_count(1, timeout=LIVE)
        expect(district.get_by_test_id("typing-indicator")).to_be_empty(timeout=LIVE)
        expect(commune.get_by_test_id("receipts")).to_contain_text(full_name(live_server, "district@demo.test"),
                                                                   timeout=LIVE)

        # the commune worker loses the signal and writes twice
        commune.context.set_offline(True)
        expect(commune.get_by_test_id("connection")).to_have_attribute("data-state", "offline", timeout=LIVE)
        send(commune, f"Mất sóng một ({run})")
        send(commune, f"Mất sóng hai ({run})")
        expect(commune.locator("li.pending")).to_have_count(2)
        commune.context.set_offline(False)
        expect(commune.get_by_test_id("connection")).to_have_attribute("data-state", "online", timeout=LIVE)
        for text in (f"Mất sóng một ({run})", f"Mất sóng hai ({run})"):
            expect(bodies(district, text)).to_have_count(1, timeout=LIVE)
        expect(commune.locator("li.pending")).to_have_count(0, timeout=LIVE)
        screenshot(district, "chat-room-360")
        assert_fits_phone(district)

        # stored once: a reload shows each once, and so does the API
        district.reload()
        expect(bodies(district, run)).to_have_count(3, timeout=LIVE)
        stored = requests.get(f"{live_server.url}/api/v1/rooms/{room}/messages?per_page=200", timeout=10,
                              headers=bearer(token(live_server.url, "district@demo.test"))).json()["items"]
        assert sorted(m["body"] for m in stored if run in m["body"]) == sorted(
            [f"Bệnh nhân huyết áp 170/100 ({run})", f"Mất sóng một ({run})", f"Mất sóng hai ({run})"])

        assert commune.external_requests == []
        # the only errors: the browser's own reports of reconnect attempts while offline
        assert [e for e in commune.console_errors if "ERR_INTERNET_DISCONNECTED" not in e] == []
        assert district.console_errors == []
    finally:
        other.close()


def test_a_message_the_server_already_holds_is_shown_once_after_a_reload(live_server, phone):
    """The phone left the page (or lost the ack) after the server stored a
    message: the outbox still held it, and the reloaded page showed it twice
    (stored, and again as "sending"), which a browser journey caught."""
    room = open_group_room(phone, "commune@demo.test")
    tok = token(live_server.url, "commune@demo.test")
    me = requests.get(live_server.url + "/api/v1/me", headers=bearer(tok), timeout=10).json()["id"]
    run = uuid.uuid4().hex[:6]
    body, client_id = f"Đã lưu trước khi tải lại ({run})", f"c-{run}"
    r = requests.post(f"{live_server.url}/api/v1/rooms/{room}/messages", headers=bearer(tok), timeout=10,
                      json={"body": body, "client_id": client_id})
    assert r.status_code == 201, r.text
    phone.evaluate("([key, item]) => localStorage.setItem(key, JSON.stringify([item]))",
                   [f"mentoring.chat.outbox.{me}.{room}", {"client_id": client_id, "body": body}])
    phone.reload()
    expect(phone.get_by_test_id("connection")).to_have_attribute("data-state", "online", timeout=LIVE)
    expect(bodies(phone, run)).to_have_count(1, timeout=LIVE)
    expect(phone.locator("li.pending")).to_have_count(0)
    assert phone.evaluate(f"localStorage.getItem('mentoring.chat.outbox.{me}.{room}')") == "[]"
