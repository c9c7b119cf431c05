"""Cases on a 360 px phone: ask with a photo, find it in the inbox, read it."""

from PIL import Image

from tests.browser.conftest import assert_fits_phone, log_in, screenshot


def _photo(path):
    Image.new("RGB", (1200, 900), (200, 80, 80)).save(path, "JPEG")
    return str(path)


def test_ask_with_photo_then_district_reads_it(phone, browser, live_server, tmp_path):
    log_in(phone, "commune@demo.test")
    phone.goto("/cases/new")
    assert_fits_phone(phone)
    phone.fill("#age_years", "61")
    phone.select_option("#sex", "female")
    phone.fill("#complaint", "Hoa mắt, đau đầu từ chiều qua (trình duyệt)")
    phone.fill("[id='vitals.systolic']", "168")
    phone.fill("[id='vitals.diastolic']", "98")
    phone.fill("[id='vitals.temperature']", "36.7")
    phone.fill("#icd10", "hypertension")
    phone.locator('#icd10-options option').first.wait_for(state="attached")
    phone.fill("#icd10", "I10")
    phone.fill("#question", "Có nên đổi sang thuốc khác không?")
    phone.set_input_files("#file", _photo(tmp_path / "anh.jpg"))
    phone.check("#patient_consent")
    screenshot(phone, "case-form-360")
    phone.click("button[value=send]")
    phone.wait_for_url(lambda url: "/cases/new" not in url)
    assert "Hoa mắt" in phone.content()
    assert phone.locator("img.img-thumbnail").count() == 1
    assert_fits_phone(phone)
    screenshot(phone, "case-detail-360")
    failed = []
    phone.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    phone.reload()
    assert phone.external_requests == [] and not failed, failed

    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True,
                                  locale="vi-VN", base_url=live_server.url)
    district = context.new_page()
    log_in(district, "district@demo.test")
    district.goto("/cases")
    assert "Hoa mắt" in district.content()
    assert_fits_phone(district)
    screenshot(district, "cases-inbox-360")
    district.goto("/cases/search?q=hoa+mat")
    assert "Hoa mắt" in district.content()
    assert_fits_phone(district)
    context.close()


def test_form_errors_keep_text_on_a_phone(phone):
    log_in(phone, "commune@demo.test")
    phone.goto("/cases/new")
    phone.fill("#age_years", "61")
    phone.select_option("#sex", "male")
    phone.fill("#complaint", "Gọi 0912 345 678")
    phone.click("button[value=send]")
    assert phone.locator("#complaint").input_value() == "Gọi 0912 345 678"
    assert phone.locator("#complaint-error").is_visible()
    assert_fits_phone(phone)
    screenshot(phone, "case-form-errors-360")


def test_a_case_being_typed_stays_on_the_phone_until_sent(phone):
    log_in(phone, "commune@demo.test")
    phone.goto("/cases/new")
    phone.fill("#complaint", "Chóng mặt khi đứng dậy (bản nháp trên máy)")
    phone.fill("#question", "Có nên giảm liều thuốc hạ áp không?")
    phone.fill("#age_years", "71")
    phone.click("#ncd-section summary")
    phone.select_option("[id='ncd.kind']", "hypertension")
    phone.fill("[id='ncd.readings.0.systolic']", "102")
    phone.reload()   # the signal dropped, the tab was closed: nothing typed is lost
    assert phone.locator("#complaint").input_value() == "Chóng mặt khi đứng dậy (bản nháp trên máy)"
    assert phone.locator("[id='ncd.kind']").input_value() == "hypertension"
    assert phone.locator("[id='ncd.readings.0.systolic']").input_value() == "102"
    assert phone.locator("#draft-restored").is_visible()
    counter = phone.locator("[data-count-for='complaint']").inner_text()
    assert counter.startswith(str(len("Chóng mặt khi đứng dậy (bản nháp trên máy)"))) and "2000" in counter
    phone.fill("[id='ncd.readings.0.taken_on']", "2026-11-01")
    phone.fill("[id='ncd.readings.0.diastolic']", "64")
    phone.select_option("#sex", "female")
    phone.check("#patient_consent")
    assert_fits_phone(phone)
    screenshot(phone, "case-form-ncd-360")
    phone.click("button[value=send]")
    phone.wait_for_url(lambda url: "/cases/new" not in url)
    assert "Chóng mặt khi đứng dậy" in phone.content()
    phone.goto("/cases/new")
    assert phone.locator("#complaint").input_value() == ""   # sent: the phone's copy is gone


def test_the_case_page_reads_as_a_conversation_on_a_phone(phone):
    log_in(phone, "commune@demo.test")
    phone.goto("/cases/search?q=tai+kham+tang+huyet+ap")
    phone.locator("[data-case-id] a").first.click()
    phone.wait_for_selector("[data-testid=ncd]")
    assert "Tăng huyết áp vô căn" in phone.content()
    assert phone.locator("[data-testid=target]").inner_text() == "chưa đạt mục tiêu"
    assert_fits_phone(phone)
    screenshot(phone, "case-follow-up-360")
    phone.goto("/cases/search?q=amlodipine&status=answered")
    phone.locator("[data-case-id] a").first.click()
    phone.wait_for_selector("#composer")
    assert phone.locator("#composer textarea").count() == 1
    assert_fits_phone(phone)
    screenshot(phone, "case-conversation-360")
    phone.goto("/cases/new")
    phone.fill("#icd10", "tang huyet ap")
    option = phone.locator("#icd10-options option").first
    option.wait_for(state="attached")
    assert option.get_attribute("label").startswith("I10 Tăng huyết áp")
