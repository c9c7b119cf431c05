"""The task-first home of each role: what is on it, one tap from its page,
and a fixed number of queries whatever the number of cases, rooms and
sessions; the bottom navigation of each role."""
import re

from mentoring.cases import services as case_services
from mentoring.chat import rooms as chat_rooms
from mentoring.chat import services as chat_services
from mentoring.extensions import db
from tests.cases.helpers import gen_case
from tests.factories import gen_group, gen_user, login
from tests.sessions.helpers import at, client_for, freeze, gen_session


def _page(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _section(html: str, testid: str) -> str:
    return re.search(rf'data-testid="{testid}"[^>]*>(.*?)</ul>', html, re.S).group(1)


def _tabs(html: str) -> list[str]:
    nav = re.search(r'<nav class="app-tabs".*?</nav>', html, re.S).group(0)
    return re.findall(r'class="app-tab[^"]*" href="([^"]+)"', nav)


def _world(extra_cases: int = 0):
    freeze()
    group, people = gen_group()
    commune, mentor = people["commune"][0], people["mentor"]
    waiting = gen_case(group, commune, complaint="Sốt cao co giật", urgency="urgent")
    answered = gen_case(group, commune, complaint="Tăng huyết áp khó kiểm soát")
    # An answer with a recommendation from the district tier.
    case_services.add_reply(answered, people["district"][0], "Tăng liều amlodipine.", recommendation=True)
    for i in range(extra_cases):
        gen_case(group, commune, complaint=f"Ca thêm {i}")
    session = gen_session(group, mentor, title="Giao ban đái tháo đường", starts_at=at(days=0, hours=3))
    room = chat_rooms.room_for_group(group)
    db.session.flush()
    for i in range(2 + extra_cases):
        chat_services.post_message(mentor, room, f"Tin nhắn {i}")
    db.session.commit()
    return group, people, waiting, answered, session, room


def test_commune_worker_home_lists_cases_with_state_session_chat_and_hours(client):
    group, people, waiting, answered, session, room = _world()
    login(client, people["commune"][0])
    html = _page(client)
    cases = _section(html, "home-cases")
    # Each case one tap from its page, with its urgency and its state.
    assert f'href="/cases/{waiting.id}"' in cases and f'href="/cases/{answered.id}"' in cases
    assert "Sốt cao co giật" in cases and "khẩn" in cases
    assert "đang chờ trả lời" in cases and "đã trả lời, có khuyến nghị" in cases
    assert "hạn trả lời" in cases  # time left on the open case, in Vietnamese
    sessions = _section(html, "home-sessions")
    assert f'href="/sessions/{session.id}"' in sessions and "Giao ban đái tháo đường" in sessions
    assert "Sinh hoạt hôm nay" in html
    chat = _section(html, "home-chat")
    assert f'href="/chat/{room.id}"' in chat and "2 tin nhắn mới" in chat
    assert "Tin nhắn chưa đọc (2)" in html
    assert 'data-testid="home-hours"' in html and "giờ đào tạo trong năm nay" in html
    assert 'href="/cases/new"' in html
    assert _tabs(html) == ["/", "/cases", "/chat", "/sessions", "/progress"]


def test_home_queries_do_not_grow_with_cases_and_messages(app, count_queries):
    _group, people, *_rest = _world()
    small = client_for(app, people["commune"][0])
    _page(small)  # warm caches (programmes, frameworks)
    with count_queries() as few:
        _page(small)
    _group2, people2, *_rest = _world(extra_cases=8)
    big = client_for(app, people2["commune"][0])
    _page(big)
    with count_queries() as many:
        html = _page(big)
    assert html.count('data-case-id=') >= 6
    assert many.n <= few.n, (few.n, many.n)
    assert many.n <= 12, many.statements


def test_mentor_home_puts_the_most_urgent_waiting_case_first(client, count_queries):
    freeze()
    group, people = gen_group()
    commune, mentor = people["commune"][0], people["mentor"]
    routine = gen_case(group, commune, complaint="Ho kéo dài")
    emergency = gen_case(group, commune, complaint="Đau ngực dữ dội", urgency="emergency")
    for case in (routine, emergency):  # up the cascade to the mentor (an emergency starts there)
        for tier in ("district", "provincial"):
            if case.current_tier_code != "central":
                case_services.escalate_case(case, people[tier][0], reason=None)
    assert routine.current_tier_code == emergency.current_tier_code == "central"
    today = gen_session(group, mentor, title="Giao ban hôm nay", starts_at=at(days=0, hours=2))
    gen_session(group, mentor, title="Giao ban tuần sau", starts_at=at(days=7))
    db.session.commit()
    login(client, mentor)
    with count_queries() as counted:
        html = _page(client)
    assert counted.n <= 11, counted.statements
    waiting = _section(html, "home-waiting")
    assert waiting.index(f'href="/cases/{emergency.id}"') < waiting.index(f'href="/cases/{routine.id}"')
    assert "Đang chờ bạn trả lời (2)" in html
    sessions = _section(html, "home-sessions")
    assert f'href="/sessions/{today.id}"' in sessions and "Giao ban tuần sau" not in sessions
    assert 'href="/cases/new"' not in html
    assert _tabs(html) == ["/", "/cases", "/chat", "/sessions", "/groups"]
    assert "Ca chờ" in html and 'data-testid="tab-count">2' in html


def test_coordinator_home_shows_the_numbers_that_need_action(client, count_queries):
    gen_group(complete=False)
    gen_group()
    coordinator = gen_user("coordinator")
    login(client, coordinator)
    with count_queries() as counted:
        html = _page(client)
    assert counted.n <= 12, counted.statements
    incomplete = re.search(r'data-testid="alert-incomplete">\s*<span class="stat-value">(\d+)<', html).group(1)
    assert int(incomplete) >= 1
    assert 'href="/groups/overview#incomplete-groups"' in html
    assert 'href="/competency/readiness" data-testid="alert-at-risk"' in html
    assert 'href="/competency/dashboard" data-testid="alert-expiring"' in html
    assert _tabs(html) == ["/", "/competency/dashboard", "/competency/readiness", "/sessions", "/groups/overview"]


def test_a_case_page_lights_up_the_cases_tab(client):
    freeze()
    group, people = gen_group()
    case = gen_case(group, people["commune"][0])
    db.session.commit()
    login(client, people["commune"][0])
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    active = re.search(r'<a class="app-tab active" href="([^"]+)" aria-current="page"', html)
    assert active and active.group(1) == "/cases"


def test_more_menu_holds_the_other_pages_and_log_out(client):
    _group, people = gen_group()
    login(client, people["commune"][0])
    html = _page(client)
    menu = re.search(r'<nav class="app-more-menu.*?</nav>', html, re.S).group(0)
    assert 'href="/groups"' in menu and 'href="/facilities"' in menu and 'href="/account"' in menu
    assert 'action="/logout"' in menu
    assert 'href="/progress"' not in menu  # already a tab
    bell = re.search(r'data-testid="bell">(.*?)</a>', html, re.S).group(1)
    assert '<span class="visually-hidden">Thông báo</span>' in bell  # the bell's name, translated


def test_someone_in_no_group_still_gets_a_home(client):
    worker = gen_user("worker")
    login(client, worker)
    html = _page(client)
    assert "Bạn không có ca bệnh nào đang mở." in html and "Bạn đã đọc hết tin nhắn." in html
