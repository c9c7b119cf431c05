"""The foundation as a person on a phone sees it: every demo account logs
in and lands on its own home, the cascade shows both groups complete, pages
fit 360 px and fetch nothing from the internet."""
import pytest

from tests.browser.conftest import assert_fits_phone, log_in, screenshot

DEMO = {
    "doctor@demo.test": "BS. Nguyễn Văn An",
    "provincial@demo.test": None,
    "district@demo.test": None,
    "commune@demo.test": None,
    "doctor2@demo.test": "BS. Trần Thị Bình",
    "commune2@demo.test": None,
    "coordinator@demo.test": "Điều phối viên đào tạo",
    "admin@demo.test": "Quản trị viên",
}


def test_login_page_is_vietnamese_and_fits_a_phone(phone):
    phone.goto("/login")
    assert phone.locator("html").get_attribute("lang") == "vi"
    assert phone.locator("h1").inner_text() == "Đăng nhập"
    assert_fits_phone(phone)
    screenshot(phone, "login-360")
    assert phone.external_requests == []


def test_wrong_password_keeps_the_email(phone):
    phone.goto("/login")
    phone.fill("#email", "commune@demo.test")
    phone.fill("#password", "not-the-password")
    phone.click("button[type=submit]")
    assert phone.locator("#email").input_value() == "commune@demo.test"
    assert phone.locator("#password-error").is_visible()


@pytest.mark.parametrize("email", list(DEMO))
def test_every_demo_account_sees_its_own_home(phone, email):
    log_in(phone, email)
    heading = phone.locator("h1").inner_text()
    if DEMO[email]:
        assert DEMO[email] in heading
    assert phone.locator("nav").count() >= 1
    assert_fits_phone(phone)
    screenshot(phone, f"home-{email.split('@')[0]}")
    assert phone.external_requests == [], phone.external_requests
    assert phone.console_errors == [], phone.console_errors


def test_coordinator_sees_both_groups_complete(phone):
    log_in(phone, "coordinator@demo.test")
    phone.goto("/groups/overview")
    rows = phone.locator('[data-testid="overview-row"]')
    assert rows.count() >= 2
    assert "1-4-4-2 Bạch Mai" in phone.content() and "1-4-4-2 Chợ Rẫy" in phone.content()
    incomplete = phone.locator('[data-testid="incomplete-groups"] a')
    assert incomplete.count() == 0
    assert_fits_phone(phone)
    screenshot(phone, "overview-360")
    phone.goto("/groups")
    assert phone.locator('[data-testid="group-card"] .text-bg-success').count() == 2
    screenshot(phone, "groups-360")


def test_commune_worker_cannot_open_the_other_group(phone, live_server):
    log_in(phone, "commune2@demo.test")
    phone.goto("/groups")
    cards = phone.locator('[data-testid="group-card"]')
    assert cards.count() == 1 and "Chợ Rẫy" in cards.first.inner_text()
    for group_id in range(1, 4):
        response = phone.goto(f"/groups/{group_id}")
        assert response.status in (200, 404)
        if response.status == 200:
            assert "Bạch Mai" not in phone.locator("h1").inner_text()


def test_menu_opens_on_a_phone_and_language_switches(phone):
    log_in(phone, "commune@demo.test")
    # The role's everyday places are tabs at the bottom; the rest is under "More".
    tabs = phone.get_by_test_id("tabs")
    assert tabs.get_by_role("link").count() == 5
    for link in tabs.get_by_role("link").all():
        box = link.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, box
    phone.get_by_test_id("more-menu").click()
    phone.locator(".app-more-menu").get_by_role("link", name="Nhóm").click()
    phone.wait_for_url("**/groups")
    phone.get_by_role("button", name="English").click()
    phone.wait_for_load_state()
    assert phone.locator("html").get_attribute("lang") == "en"
    assert phone.locator("h1").inner_text() == "Mentoring groups"
    assert_fits_phone(phone)
