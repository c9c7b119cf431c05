"""The app on a phone with a weak or no signal: the service worker opens the
app with no signal and says what waits to be sent; the chat header
keeps its shape while the socket is down; tap targets are thumb-sized; the
layout holds at 1280 px too."""
from playwright.sync_api import expect

from tests.browser.conftest import assert_fits_phone, log_in, screenshot

LIVE = 15_000


def _language(page, code: str) -> None:
    """The language is kept on the account (shared with other tests on this server)."""
    if page.locator("html").get_attribute("lang") != code:
        page.get_by_role("button", name="Tiếng Việt" if code == "vi" else "English").click()
        page.wait_for_function(f"document.documentElement.lang === '{code}'")


def _sw_ready(page) -> None:
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    # The worker controls pages loaded after it activated.
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=LIVE)


def test_no_signal_opens_the_last_pages_and_says_what_waits(phone):
    log_in(phone, "commune@demo.test")
    _language(phone, "en")
    # A worker installed while the person reads English keeps an English offline page...
    phone.evaluate("""navigator.serviceWorker.getRegistrations()
        .then(rs => Promise.all(rs.map(r => r.unregister())))
        .then(() => caches.keys()).then(ks => Promise.all(ks.map(k => caches.delete(k))))""")
    phone.reload()
    _sw_ready(phone)
    phone.wait_for_function("""caches.match('/offline').then(r => r ? r.text() : '')
                               .then(t => t.includes('No signal'))""", timeout=LIVE)
    _language(phone, "vi")  # ... until they switch back, and a fresh copy is asked for
    phone.wait_for_function("""caches.match('/offline').then(r => r ? r.text() : '')
                               .then(t => t.includes('Mất sóng'))""", timeout=LIVE)
    phone.goto("/")
    expect(phone.get_by_test_id("home-cases")).to_be_visible()
    # A chat message typed with no signal waits in the outbox (as chat.js keeps it).
    phone.evaluate("""localStorage.setItem('mentoring.chat.outbox.0.0',
                      JSON.stringify([{client_id: 'x', body: 'Huyết áp 150/90, hẹn tái khám'}]))""")
    phone.context.set_offline(True)
    try:
        # Signed-in pages are no-store (health data stays off the phone): with no
        # signal the app still opens, on the offline page, and says what waits.
        phone.goto("/sessions")
        expect(phone.locator("h1")).to_have_text("Mất sóng")
        expect(phone.get_by_test_id("waiting-list")).to_contain_text(
            "Tin nhắn trò chuyện: Huyết áp 150/90, hẹn tái khám")
        banner = phone.get_by_test_id("net-banner")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("tin nhắn trò chuyện: 1")
        expect(phone.get_by_role("link", name="Hỏi về ca bệnh")).to_be_visible()
        screenshot(phone, "offline-360")
    finally:
        phone.context.set_offline(False)
        phone.evaluate("localStorage.removeItem('mentoring.chat.outbox.0.0')")
    phone.goto("/")
    expect(phone.get_by_test_id("net-banner")).to_be_hidden()


def test_chat_header_keeps_its_shape_without_a_connection(phone):
    log_in(phone, "commune@demo.test")
    phone.goto("/chat")
    phone.locator('[data-testid="room"][data-kind="group"]').first.click()
    expect(phone.get_by_test_id("connection")).to_have_attribute("data-state", "online", timeout=LIVE)
    phone.context.set_offline(True)
    try:
        expect(phone.get_by_test_id("connection")).to_have_attribute("data-state", "offline", timeout=LIVE)
        back = phone.locator(".chat-header .back-link")
        box = back.bounding_box()
        assert box["height"] >= 44 and box["width"] > 150, box  # not one letter per line
        header = phone.locator(".chat-header").bounding_box()
        assert header["height"] < 260, header
        assert_fits_phone(phone)
        screenshot(phone, "chat-offline-360")
    finally:
        phone.context.set_offline(False)
    expect(phone.get_by_test_id("connection")).to_have_attribute("data-state", "online", timeout=LIVE)
    # Edit and delete on one's own message are thumb-sized.
    phone.get_by_test_id("message-input").fill("Tin nhắn để thử nút sửa")
    phone.get_by_test_id("send-button").click()
    mine = phone.locator(".chat-message.mine", has_text="Tin nhắn để thử nút sửa").last
    for button in mine.locator(".chat-tools button").all():
        box = button.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, box


def test_desktop_width_keeps_the_tabs_under_the_top_bar(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN",
                                  base_url=live_server.url)
    page = context.new_page()
    try:
        log_in(page, "doctor@demo.test")
        tabs = page.get_by_test_id("tabs").bounding_box()
        assert tabs["y"] < 120, tabs  # under the top bar, not at the bottom of the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        expect(page.get_by_test_id("home-waiting")).to_be_visible()
        # The More menu opens over the tab bar, not under it: its first entry takes the click.
        page.get_by_test_id("more-menu").click()
        page.locator(".app-more-menu a").first.click(trial=True, timeout=5_000)
        screenshot(page, "home-mentor-1280")
    finally:
        context.close()
