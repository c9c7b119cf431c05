"""Journey 2: the central doctor schedules a teaching session; a commune
worker says yes and takes the .ics; the doctor records the worker's
attendance and marks the session held; the worker's progress shows the hours."""
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import requests
from playwright.sync_api import expect

from tests.live import bearer, token

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def _tomorrow(screen):
    """Tomorrow morning in Viet Nam: in the future (the form insists) and
    never across midnight; each screen size at its own hour."""
    day = datetime.now(ZONE).date() + timedelta(days=1)
    start = datetime.combine(day, time(8 if screen == "360" else 10, 0), ZONE)
    return start, start + timedelta(minutes=60)


def test_schedule_rsvp_attend_and_hours(person, audit, screen, server):
    title = f"Sinh hoạt chuyên môn: suy tim ở tuyến xã ({screen})"
    server.reset_clock()
    start, end = _tomorrow(screen)
    commune_id = requests.get(server.url + "/api/v1/me", timeout=10,
                              headers=bearer(token(server.url, "commune@demo.test"))).json()["id"]

    doctor = person("doctor@demo.test")
    doctor.goto("/sessions/new")
    doctor.locator("#title").fill(title)
    doctor.get_by_label("1-4-4-2 Bạch Mai").check()
    doctor.locator("#starts_on").fill(start.strftime("%Y-%m-%d"))
    doctor.locator("#start_time").fill(start.strftime("%H:%M"))
    doctor.locator("#end_time").fill(end.strftime("%H:%M"))
    doctor.locator("#place").fill("Hội trường Trung tâm Y tế huyện Lâm Thao")
    audit.visit(doctor, "session-form")
    doctor.get_by_role("button", name="Lên lịch").click()
    doctor.wait_for_url(re.compile(r"/sessions/\d+$"))
    session_path = re.search(r"/sessions/\d+", doctor.url).group(0)
    audit.visit(doctor, "session-scheduled", weigh=False)

    commune = person("commune@demo.test")
    commune.goto("/sessions")
    audit.visit(commune, "calendar")
    commune.get_by_role("link", name=title).first.click()
    commune.wait_for_url(f"**{session_path}")
    commune.get_by_role("button", name="Có", exact=True).click()
    expect(commune.get_by_test_id("my-rsvp")).to_have_text("tham dự")
    audit.visit(commune, "session-accepted")
    with commune.expect_download() as download:
        commune.get_by_test_id("ics-link").click()
    ics = open(download.value.path(), encoding="utf-8").read()
    assert download.value.suggested_filename.endswith(".ics")
    assert "BEGIN:VCALENDAR" in ics and "BEGIN:VEVENT" in ics
    assert "suy tim" in ics.replace("\r\n ", "")   # folded lines unfolded

    commune.goto("/progress")
    assert title not in commune.get_by_test_id("credits").inner_text()

    server.set_clock(start + timedelta(minutes=20))   # the session has started: the register opens
    doctor.reload()
    line = doctor.get_by_test_id("register").locator(f'[data-user-id="{commune_id}"]')
    line.locator("summary").click()
    minutes = 55   # counts as attended from 80 % of the hour (MENTORING_SESSION_ATTENDANCE_SHARE)
    line.get_by_label("Số phút").fill(str(minutes))
    line.get_by_label("Lý do").fill("Có mặt tại hội trường, không vào cuộc gọi")
    audit.visit(doctor, "register", weigh=False)
    line.get_by_role("button", name="Lưu").click()
    expect(doctor.get_by_test_id("register").locator(f'[data-user-id="{commune_id}"]')
           .get_by_test_id("minutes")).to_contain_text(str(minutes))
    doctor.get_by_role("button", name="Đánh dấu đã diễn ra").click()
    expect(doctor.get_by_test_id("status")).to_have_text(re.compile("đã diễn ra", re.I))
    audit.visit(doctor, "session-held")

    commune.goto("/progress")
    expect(commune.get_by_test_id("credits")).to_contain_text(title)
    audit.visit(commune, "progress")
    server.reset_clock()
    audit.assert_clean()
