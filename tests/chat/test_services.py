import re
from datetime import timedelta

import pytest

from mentoring import clock
from mentoring.chat import acknowledgements, reads, rooms, services, text
from mentoring.chat.models import ChatMessage
from mentoring.errors import Conflict, Forbidden, NotFound, ValidationFailed
from mentoring.extensions import db
from mentoring.notifications.models import Notification
from tests.factories import gen_group, gen_user
from sqlalchemy import func, select


def _count(model, *where):
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar()


def test_one_room_per_group_and_pair():
    group, people = gen_group(complete=False)
    assert rooms.room_for_group(group).id == rooms.room_for_group(group).id
    a, b = people["commune"][0], people["district"][0]
    assert rooms.room_for_direct(a, b).id == rooms.room_for_direct(b, a).id


def test_direct_needs_a_shared_group():
    _g1, p1 = gen_group(complete=False)
    _g2, p2 = gen_group(complete=False)
    with pytest.raises(NotFound):
        rooms.room_for_direct(p1["commune"][0], p2["commune"][0])
    with pytest.raises(NotFound):
        rooms.room_for_direct(p1["commune"][0], p1["commune"][0])


def test_post_is_idempotent_on_client_id():
    group, people = gen_group(complete=False)
    room = rooms.room_for_group(group)
    author = people["commune"][0]
    first, created = services.post_message(author, room, "Xin chào", "c-1")
    again, created_again = services.post_message(author, room, "Xin chào", "c-1")
    assert created and not created_again and first.id == again.id
    assert _count(ChatMessage, ChatMessage.room_id == room.id) == 1


def test_a_client_id_belongs_to_one_room():
    group, people = gen_group(complete=False)
    author = people["commune"][0]
    first, _ = services.post_message(author, rooms.room_for_group(group), "Xin chào", "c-1")
    direct = rooms.room_for_direct(author, people["district"][0])
    with pytest.raises(Conflict) as err:
        services.post_message(author, direct, "Xin chào", "c-1")
    assert err.value.message == "Mã tin nhắn này đã được dùng trong một cuộc trò chuyện khác."
    assert _count(ChatMessage, ChatMessage.client_id == "c-1") == 1


def test_a_resend_that_would_now_be_refused_gets_the_stored_message():
    """Validation runs before the insert; what was stored once is answered, not refused."""
    group, people = gen_group(complete=False)
    room = rooms.room_for_group(group)
    author = people["commune"][0]
    first, _ = services.post_message(author, room, "Xin chào", "c-1")
    # The same id with a body that no longer passes (a client bug, or a reworded resend).
    again, created = services.post_message(author, room, "", "c-1")
    assert not created and again.id == first.id and again.body == "Xin chào"
    with pytest.raises(ValidationFailed):
        services.post_message(author, room, "", "c-2")  # a new id is checked as ever
    assert _count(ChatMessage, ChatMessage.room_id == room.id) == 1


@pytest.mark.parametrize("body", ["", "   ", None, 12, "x" * 4001])
def test_bad_bodies_store_nothing(body):
    group, people = gen_group(complete=False)
    room = rooms.room_for_group(group)
    with pytest.raises(ValidationFailed):
        services.post_message(people["commune"][0], room, body, "c-bad")
    assert _count(ChatMessage, ChatMessage.room_id == room.id) == 0


def test_limit_is_4000_characters():
    group, people = gen_group(complete=False)
    message, _ = services.post_message(people["mentor"], rooms.room_for_group(group), "y" * 4000, "c-max")
    assert len(message.body) == 4000


def test_outsider_cannot_post():
    group, _people = gen_group(complete=False)
    with pytest.raises(NotFound):
        services.post_message(gen_user(), rooms.room_for_group(group), "hi", "c-x")


def test_text_is_escaped_and_links_clickable():
    html = text.render_body('<script>alert(1)</script> see https://example.org/a?b=1&c=2.\nnext')
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<a href="https://example.org/a?b=1&amp;c=2"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert "</a>." in html and "<br>" in html
    assert "javascript:" not in text.render_body("javascript:alert(1)") or \
        "<a" not in text.render_body("javascript:alert(1)")


@pytest.mark.parametrize("typed, link, after", [
    ('xem "https://x.vn/a" nhé', "https://x.vn/a", '" nhé'),
    ("xem 'https://x.vn/a'.", "https://x.vn/a", "'."),
    ("(https://x.vn/a).", "https://x.vn/a", ")."),
    ("[https://x.vn/a]", "https://x.vn/a", "]"),
    ("“https://x.vn/a”, rồi", "https://x.vn/a", "”, rồi"),
    ("https://x.vn/a>b", "https://x.vn/a", "&gt;b"),
    ("https://vi.wikipedia.org/wiki/Sốt_(bệnh)!", "https://vi.wikipedia.org/wiki/Sốt_(bệnh)", "!"),
])
def test_a_closing_quote_or_bracket_stays_outside_the_link(typed, link, after):
    html = text.render_body(typed)
    anchor = re.search(r'<a href="([^"]*)"[^>]*>([^<]*)</a>(.*)$', html)
    assert anchor and anchor.group(1) == anchor.group(2) == link, html
    assert anchor.group(3) == after, html


def test_edit_and_delete_own_message_within_15_minutes():
    group, people = gen_group(complete=False)
    room = rooms.room_for_group(group)
    author, other = people["commune"][0], people["district"][0]
    message, _ = services.post_message(author, room, "typo", "c-e")
    with pytest.raises(Forbidden):
        services.edit_message(other, message.id, "not mine")
    services.edit_message(author, message.id, "fixed")
    assert message.body == "fixed" and message.edited_at is not None
    services.delete_message(author, message.id)
    payload = services.message_payload(message)
    assert payload["deleted"] and payload["body"] == "" and message.body == "fixed"  # soft delete
    late, _ = services.post_message(author, room, "old", "c-late")
    clock.freeze(clock.now() + timedelta(minutes=16))
    with pytest.raises(Conflict):
        services.edit_message(author, late.id, "too late")
    with pytest.raises(Conflict):
        services.delete_message(author, late.id)


def test_mentions_notify():
    group, people = gen_group(complete=False)
    room = rooms.room_for_group(group)
    target = people["commune"][0]
    by_handle = people["district"][0]
    services.post_message(people["mentor"], room,
                          f"@{target.full_name} và @{by_handle.email.split('@')[0]} xem giúp", "c-m")
    kinds = {(n.user_id, n.kind) for n in db.session.execute(select(Notification)).scalars()}
    assert (target.id, "chat.mention") in kinds and (by_handle.id, "chat.mention") in kinds
    assert (people["provincial"][0].id, "chat.mention") not in kinds


def test_read_marks_and_unread_counts():
    group, people = gen_group(complete=False)
    room = rooms.room_for_group(group)
    a, b = people["commune"][0], people["district"][0]
    m1, _ = services.post_message(a, room, "one", "c-r1")
    m2, _ = services.post_message(a, room, "two", "c-r2")
    summary = {s.id: s for s in rooms.rooms_for(b)}[room.id]
    assert summary.unread == 2 and summary.last_message.id == m2.id
    assert reads.mark_read(b, room, m1.id) == m1.id
    assert reads.mark_read(b, room, m1.id) is None  # never backwards, no repeat
    assert {s.id: s for s in rooms.rooms_for(b)}[room.id].unread == 1
    assert reads.read_marks(room)[b.id] == m1.id
    assert {s.id: s for s in rooms.rooms_for(a)}[room.id].unread == 0  # own messages are read


def test_room_list_queries_do_not_grow(count_queries):
    group, people = gen_group(complete=False)
    user = people["commune"][0]
    for n in range(3):
        g, p = gen_group(complete=False, mentor=people["mentor"])
        from mentoring.org import services as org
        org.add_member(g, user, tier_code="commune")
        services.post_message(p["mentor"], rooms.room_for_group(g), f"hi {n}", f"c-q{n}")
    rooms.rooms_for(user)
    with count_queries() as few:
        rooms.rooms_for(user)
    g, _p = gen_group(complete=False, mentor=people["mentor"])
    from mentoring.org import services as org
    org.add_member(g, user, tier_code="commune")
    rooms.rooms_for(user)
    with count_queries() as more:
        rooms.rooms_for(user)
    assert more.n == few.n


def test_urgent_needs_mentor_and_reminds_until_acknowledged():
    group, people = gen_group(complete=False)
    room = rooms.room_for_group(group)
    with pytest.raises(Forbidden):
        services.post_message(people["commune"][0], room, "urgent?", "c-u0", urgent=True)
    message, _ = services.post_message(people["mentor"], room, "Báo cáo ngay", "c-u1", urgent=True)
    recipients = {people[t][0].id for t in ("provincial", "district", "commune")}
    status = acknowledgements.acknowledgement_status(people["mentor"], message.id)
    assert {p["id"] for p in status["pending"]} == recipients and status["acknowledged"] == []

    def reminders():
        return _count(Notification, Notification.kind == "chat.urgent_reminder")
    assert acknowledgements.send_due_reminders() == 0  # nothing due yet
    clock.freeze(clock.now() + timedelta(minutes=5, seconds=1))
    acknowledgements.acknowledge(people["commune"][0], message.id)
    assert acknowledgements.send_due_reminders() == 2 and reminders() == 2
    assert acknowledgements.send_due_reminders() == 0  # run twice, act once
    clock.advance(timedelta(minutes=5, seconds=1))
    assert acknowledgements.send_due_reminders() == 2 and reminders() == 4
    status = acknowledgements.acknowledgement_status(people["mentor"], message.id)
    assert [p["id"] for p in status["acknowledged"]] == [people["commune"][0].id]
    with pytest.raises(NotFound):
        acknowledgements.acknowledge(people["mentor"], message.id)  # nobody asked the sender
