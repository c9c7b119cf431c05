"""Teaching sessions on a 360 px phone: the calendar (list and week), a
session's page and the scheduling form fit the screen and fetch nothing
from the internet; the week view stacks its days on a phone."""
from tests.browser.conftest import assert_fits_phone, log_in, screenshot


def test_calendar_and_session_page_fit_a_phone(phone):
    log_in(phone, "commune2@demo.test")  # (commune@demo.test is switched to English by another test)
    phone.goto("/sessions")
    assert phone.locator("h1").inner_text() == "Sinh hoạt chuyên môn"
    assert phone.locator("[data-session-id]").count() >= 2
    assert_fits_phone(phone)
    screenshot(phone, "sessions-agenda-360")
    first_session = phone.locator("[data-session-id] a").first.get_attribute("href")
    phone.goto("/sessions?view=week")
    days = phone.locator(".week-day")
    assert days.count() == 7
    first, second = days.nth(0).bounding_box(), days.nth(1).bounding_box()
    assert second["y"] > first["y"] and abs(second["x"] - first["x"]) < 1  # stacked, not squeezed
    assert_fits_phone(phone)
    screenshot(phone, "sessions-week-360")
    phone.goto(first_session)
    assert phone.locator("[data-testid=status]").is_visible()
    assert_fits_phone(phone)
    screenshot(phone, "session-360")
    assert phone.external_requests == [], phone.external_requests
    assert phone.console_errors == [], phone.console_errors


def test_the_doctor_form_fits_a_phone(phone):
    log_in(phone, "doctor@demo.test")
    phone.goto("/sessions/new")
    assert phone.locator("label[for=title]").is_visible()
    assert_fits_phone(phone)
    screenshot(phone, "session-form-360")
