"""Journey 3: the training coordinator opens the certification dashboard,
filters by province, exports the workers to Excel, opens a certified worker,
downloads the certificate's PDF; anyone (no login) verifies it on the public
page."""
import re

from openpyxl import load_workbook
from playwright.sync_api import expect

PROVINCE = "Phú Thọ"   # the demo's first group: Bạch Mai's cascade


def test_dashboard_export_certificate_and_public_check(person, audit, tmp_path):
    coordinator = person("coordinator@demo.test")
    coordinator.goto("/competency/dashboard")
    expect(coordinator.get_by_test_id("workers").locator("li").first).to_be_visible()
    audit.visit(coordinator, "dashboard")

    province = coordinator.get_by_label("Tỉnh", exact=True)
    code = province.locator("option", has_text=PROVINCE).get_attribute("value")
    province.select_option(code)
    coordinator.get_by_test_id("filters").get_by_role("button").click()
    coordinator.wait_for_url(re.compile(rf"province_code={code}\b"))
    audit.visit(coordinator, "dashboard-province")
    worker = coordinator.get_by_test_id("workers").locator('[data-status="certified"]').first
    name = worker.get_by_role("link").inner_text().strip()

    with coordinator.expect_download() as download:
        coordinator.get_by_role("link", name=re.compile("XLSX")).click()
    assert download.value.suggested_filename.endswith(".xlsx")
    path = tmp_path / "workers.xlsx"
    download.value.save_as(path)
    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:2] == ("Mã nhân viên", "Tên")
    province_column = header.index("Tỉnh")
    assert body and all(PROVINCE in (row[province_column] or "") for row in body)   # only the filtered province
    mine = [row for row in body if row[1] == name]
    assert len(mine) == 1 and mine[0][header.index("Trạng thái")] == "đã được chứng nhận"

    worker.get_by_role("link").click()
    coordinator.wait_for_url(re.compile(r"/workers/\d+/progress"))
    audit.visit(coordinator, "worker")
    certificate = coordinator.get_by_test_id("certificates").locator('[data-status="valid"]').first
    certificate_code = certificate.get_attribute("data-code")
    with coordinator.expect_download() as download:
        certificate.get_by_role("link", name="Tải PDF").click()
    pdf = open(download.value.path(), "rb").read()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 1000

    coordinator.goto("/cases/report")   # response times: durations in words, not "2 days, 0:00:00"
    audit.visit(coordinator, "response-times")

    public = audit.context().new_page()   # no login: anyone holding the paper
    public.goto(f"/certificates/{certificate_code}")
    expect(public.get_by_role("status")).to_have_attribute("data-status", "valid")
    expect(public.get_by_test_id("name")).to_have_text(name)
    audit.visit(public, "verify-public")
    audit.assert_clean()
