"""Journey 1: a commune worker asks about a patient, with a photo; the
district worker is told without reloading and replies; the asker sees the
reply arrive; a worker of another group gets 404 at the case's address."""
import re

from PIL import Image
from playwright.sync_api import expect

LIVE = 15_000  # ms; the machine is shared, so generous, and no timing is asserted


def test_ask_reply_live_and_other_group_gets_404(person, audit, screen, tmp_path):
    complaint = f"Đau đầu, chóng mặt từ sáng (hành trình {screen})"
    photo = tmp_path / "anh-ca-benh.jpg"
    Image.new("RGB", (1200, 900), (200, 80, 80)).save(photo, "JPEG")

    district = person("district@demo.test")
    audit.visit(district, "home-district")        # stays open: the notification must come to it

    commune = person("commune@demo.test")
    audit.visit(commune, "home-commune")
    commune.goto("/groups")
    audit.visit(commune, "groups", weigh=False)
    commune.locator('[data-testid="group-card"] a').first.click()
    audit.visit(commune, "group", weigh=False)
    commune.goto("/cases/new")
    commune.locator("#age_years").fill("58")
    commune.locator("#sex").select_option("female")
    commune.locator("#complaint").fill(complaint)
    commune.locator("[id='vitals.systolic']").fill("172")
    commune.locator("[id='vitals.diastolic']").fill("101")
    commune.locator("#question").fill("Có cần chuyển tuyến ngay không?")
    commune.locator("#file").set_input_files(str(photo))
    commune.locator("#patient_consent").check()
    audit.visit(commune, "case-form", weigh=False)   # weighed below, empty
    commune.locator("button[value=send]").click()
    commune.wait_for_url(re.compile(r"/cases/\d+"))
    case_path = re.search(r"/cases/\d+", commune.url).group(0)
    expect(commune.get_by_role("img", name=re.compile("Ảnh"))).to_have_count(1)
    audit.visit(commune, "case-sent")

    # the district worker's page learns of it without a reload
    expect(district.get_by_test_id("live-notice")).to_contain_text("Đau đầu", timeout=LIVE)
    expect(district.get_by_test_id("bell")).not_to_have_text("0")
    audit.visit(district, "home-district-notified", weigh=False)
    district.get_by_test_id("live-notice").get_by_role("link").click()
    district.wait_for_url(f"**{case_path}")
    audit.visit(district, "case-to-answer")
    reply = f"Cho bệnh nhân nằm nghỉ, đo lại huyết áp sau 15 phút ({screen})"
    district.locator("#body").fill(reply)
    district.get_by_role("button", name="Gửi", exact=True).click()
    expect(district.get_by_test_id("replies")).to_contain_text(reply)

    # the asker, who never reloaded, sees the reply
    expect(commune.get_by_test_id("replies")).to_contain_text(reply, timeout=LIVE)
    audit.visit(commune, "case-answered", weigh=False)

    district.goto("/notifications")
    audit.visit(district, "notifications")

    stranger = person("commune2@demo.test")
    response = stranger.goto(case_path)
    assert response.status == 404
    assert complaint not in stranger.content()
    audit.visit(stranger, "case-404-other-group", weigh=False)

    commune.goto("/cases/new")
    audit.visit(commune, "case-form-empty")
    audit.assert_clean()
