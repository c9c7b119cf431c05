"""Journey 4: the phone loses its signal in the middle of typing a case and
in the middle of a chat message. Nothing is lost: the case being typed comes
back from the phone's storage and is sent once; the chat outbox delivers its
messages once. "Once" is checked through the API, not the screen."""
import re

import requests
from playwright.sync_api import expect

from tests.live import bearer, group_room, token

LIVE = 15_000  # ms; the machine is shared, so generous, and no timing is asserted


def _cases_with(server, email, text):
    items = requests.get(server.url + "/api/v1/cases?per_page=100", timeout=10,
                         headers=bearer(token(server.url, email))).json()["items"]
    return [c for c in items if text in (c.get("complaint") or "")]


def test_case_typed_offline_is_kept_and_sent_once(person, audit, screen, server):
    complaint = f"Sốt cao, rét run ba ngày nay, mất sóng khi đang gõ ({screen})"
    phone = person("commune@demo.test")
    phone.goto("/cases/new")
    phone.locator("#age_years").fill("44")
    phone.locator("#sex").select_option("male")
    phone.locator("#complaint").press_sequentially(complaint[:20])

    phone.context.set_offline(True)             # the signal drops mid-sentence
    phone.locator("#complaint").press_sequentially(complaint[20:])
    phone.locator("#question").fill("Có cần làm xét nghiệm sốt rét không?")
    phone.locator("#patient_consent").check()
    audit.visit(phone, "case-form-offline", weigh=False)
    phone.locator("button[value=send]").click()   # nothing can leave: the browser says so
    phone.wait_for_load_state()
    assert _cases_with(server, "commune@demo.test", complaint) == []

    phone.context.set_offline(False)
    phone.goto("/cases/new")
    expect(phone.locator("#draft-restored")).to_be_visible()
    assert phone.locator("#complaint").input_value() == complaint
    assert phone.locator("#question").input_value() == "Có cần làm xét nghiệm sốt rét không?"
    audit.visit(phone, "case-form-restored", weigh=False)
    phone.locator("button[value=send]").click()
    phone.wait_for_url(re.compile(r"/cases/\d+"))
    expect(phone.get_by_text(complaint)).to_be_visible()

    assert len(_cases_with(server, "commune@demo.test", complaint)) == 1
    phone.goto("/cases/new")
    assert phone.locator("#complaint").input_value() == ""   # sent: the phone's copy is gone
    audit.assert_clean()


def test_chat_typed_offline_is_delivered_once(person, audit, screen, server):
    first, second = f"Mất sóng khi đang nhắn ({screen})", f"Tin thứ hai khi chưa có sóng ({screen})"
    phone = person("commune@demo.test")
    phone.goto("/chat")
    audit.visit(phone, "chat-rooms")
    phone.get_by_test_id("room").and_(phone.locator('[data-kind="group"]')).first.click()
    expect(phone.get_by_test_id("connection")).to_have_attribute("data-state", "online", timeout=LIVE)
    audit.visit(phone, "chat-room")
    room = int(phone.locator("[data-chat-room]").get_attribute("data-chat-room"))

    phone.get_by_test_id("message-input").press_sequentially(first[:10])
    phone.context.set_offline(True)
    expect(phone.get_by_test_id("connection")).to_have_attribute("data-state", "offline", timeout=LIVE)
    phone.get_by_test_id("message-input").press_sequentially(first[10:])
    phone.get_by_test_id("send-button").click()
    phone.get_by_test_id("message-input").fill(second)
    phone.get_by_test_id("send-button").click()
    expect(phone.locator("li.pending")).to_have_count(2)
    audit.visit(phone, "chat-room-offline", weigh=False)

    phone.context.set_offline(False)
    expect(phone.get_by_test_id("connection")).to_have_attribute("data-state", "online", timeout=LIVE)
    expect(phone.locator("li.pending")).to_have_count(0, timeout=LIVE)
    phone.reload()
    for text in (first, second):
        expect(phone.get_by_test_id("message-list").get_by_text(text, exact=True)).to_have_count(1, timeout=LIVE)
    tok = token(server.url, "commune@demo.test")
    assert group_room(server.url, tok) == room
    stored = requests.get(f"{server.url}/api/v1/rooms/{room}/messages?per_page=200", timeout=10,
                          headers=bearer(tok)).json()["items"]
    assert sorted(m["body"] for m in stored if f"({screen})" in m["body"]) == sorted([first, second])
    audit.assert_clean()
