"""Builders for competency tests, and a stand-in for the sessions domain.

`SessionsStandIn` is a small fake registered in sys.modules as
mentoring.sessions.services, with the functions and dataclasses of
CONTRACTS.md. It was written while the sessions domain was built in
parallel; it stays for the ledger's edge cases that are long to build with
real sessions (a duration corrected, a session withdrawn, a missed signal).
test_sessions_integration.py and test_end_to_end.py use the real domain."""
import io
import sys
import types
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from PIL import Image

from mentoring import clock
from mentoring.competency import frameworks, programmes
from mentoring.extensions import db


@dataclass(frozen=True)
class AttendedSession:  # CONTRACTS.md
    session_id: int
    user_id: int
    title: str
    starts_at: datetime
    duration_minutes: int
    minutes_attended: int
    attended: bool
    competency_codes: tuple = ()


@dataclass(frozen=True)
class Presentation:  # CONTRACTS.md
    session_id: int
    agenda_item_id: int
    user_id: int
    title: str
    starts_at: datetime
    case_id: int | None = None


class SessionsStandIn:
    """Stand-in for mentoring.sessions.services: registers held sessions and
    their register in memory, answers like the real service, and sends the
    real signals, as the sessions domain does inside its transaction."""
    SHARE = 0.8

    def __init__(self):
        self.register: dict[tuple[int, int], AttendedSession] = {}
        self.talks: dict[int, Presentation] = {}
        self.module = types.ModuleType("mentoring.sessions.services")
        self.module.__doc__ = "STAND-IN for tests: not the real sessions domain"
        self.module.AttendedSession, self.module.Presentation = AttendedSession, Presentation
        self.module.attended_sessions = self.attended_sessions
        self.module.presentations = self.presentations
        self.module.took_part = self.took_part

    def record(self, session_id: int, user, minutes: int, duration: int = 120, title: str = "Sinh hoạt chuyên môn",
               starts_at: datetime | None = None, signal: bool = True) -> AttendedSession:
        from mentoring import signals
        row = AttendedSession(session_id, user.id, title, starts_at or clock.now() - timedelta(days=1), duration,
                              minutes, minutes >= self.SHARE * duration)
        self.register[(session_id, user.id)] = row
        if signal:
            signals.attendance_changed.send(session_id, user_ids=[user.id])
        return row

    def cancel(self, session_id: int) -> None:
        from mentoring import signals
        users = [u for (s, u) in self.register if s == session_id]
        for key in [k for k in self.register if k[0] == session_id]:
            del self.register[key]
        signals.attendance_changed.send(session_id, user_ids=users)

    def present(self, session_id: int, item_id: int, user, title: str = "Ca bệnh tăng huyết áp") -> None:
        from mentoring import signals
        self.talks[item_id] = Presentation(session_id, item_id, user.id, title, clock.now() - timedelta(days=1))
        signals.presentation_changed.send(session_id, user_ids=[user.id])

    def attended_sessions(self, user_ids, since, until):
        return [r for r in self.register.values()
                if (user_ids is None or r.user_id in user_ids) and since <= r.starts_at < until]

    def presentations(self, user_ids, since, until):
        return [p for p in self.talks.values()
                if (user_ids is None or p.user_id in user_ids) and since <= p.starts_at < until]

    def took_part(self, user_id: int, session_id: int) -> bool:
        row = self.register.get((session_id, user_id))
        return bool(row and row.attended) or any(p.session_id == session_id and p.user_id == user_id
                                                 for p in self.talks.values())


@pytest.fixture
def sessions_stand_in(monkeypatch):
    stand_in = SessionsStandIn()
    monkeypatch.setitem(sys.modules, "mentoring.sessions.services", stand_in.module)
    return stand_in


@pytest.fixture
def loaded():
    """The shipped frameworks and programmes."""
    frameworks.load_shipped()
    progs = programmes.load_shipped()
    db.session.commit()
    return {p.code: p for p in progs}


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (200, 120), (240, 240, 230)).save(out, "PNG")
    return out.getvalue()


def approved_course(worker, coordinator, hours: float, days_ago: int = 30, title: str = "Khóa học"):
    from mentoring.competency import courses
    ended = clock.now().date() - timedelta(days=days_ago)
    days = max(1, int(hours // 8) + 1)
    course = courses.submit_course(worker, {"title": title, "provider": "Bệnh viện Bạch Mai",
                                            "started_on": ended - timedelta(days=days - 1), "ended_on": ended,
                                            "hours": hours}, io.BytesIO(png()))
    courses.decide_course(course, coordinator, approve=True)
    db.session.commit()
    return course


def rate_all(mentor, worker, framework_code: str, level: int = 3) -> None:
    from mentoring.competency import assessments
    for comp in frameworks.competencies_of(framework_code):
        if worker.tier_code in comp.tiers:
            assessments.assess(mentor, worker, {"competency": comp.code, "level": level})
    db.session.commit()
