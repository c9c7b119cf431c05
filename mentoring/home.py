"""What each role opens the app for, gathered from the domains' own queries
for the home page. Every function runs a fixed number of queries whatever
the number of cases, rooms or sessions (tests/test_home.py counts them)."""
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from mentoring import clock
from mentoring.auth import policy
from mentoring.auth.models import User
from mentoring.extensions import db
from mentoring.org.composition import count_incomplete
from mentoring.org.models import MentoringGroup


@dataclass
class Home:
    role: str
    my_cases: list = field(default_factory=list)       # the asker's cases still in progress
    waiting: list = field(default_factory=list)        # cases waiting for this person's answer
    waiting_total: int = 0
    waiting_counted: bool = False                      # waiting_total is the inbox's count
    sessions_today: list = field(default_factory=list)
    next_sessions: list = field(default_factory=list)  # after today, when none is today
    unread_total: int = 0
    unread_rooms: list = field(default_factory=list)
    hours: dict | None = None
    alerts: dict | None = None                         # the coordinator's numbers
    can_ask: bool = False


def _local_day(user, now: datetime) -> tuple[datetime, datetime]:
    zone = ZoneInfo(getattr(user, "timezone", None) or "Asia/Ho_Chi_Minh")
    today = now.astimezone(zone).date()
    start = datetime.combine(today, time(0), zone).astimezone(timezone.utc)
    return start, start + timedelta(days=1)


def _sessions(user, home: Home, now: datetime) -> None:
    from mentoring.sessions.queries import upcoming_for
    upcoming = upcoming_for(user, limit=4)
    _start, end = _local_day(user, now)
    home.sessions_today = [s for s in upcoming if s.starts_at < end]
    if not home.sessions_today:
        home.next_sessions = upcoming[:1]


def _chat(user, home: Home) -> None:
    from mentoring.chat.unread import unread_rooms
    home.unread_total, home.unread_rooms = unread_rooms(user, limit=3)


def for_worker(user) -> Home:
    """A health worker: my open cases and their state, cases waiting for my
    answer (district and provincial workers answer the tier below), the next
    session, unread chat, my training hours this year."""
    from mentoring.cases import queries as cases
    from mentoring.competency.services import hours_summary
    now = clock.now()
    home = Home(role="worker", can_ask=policy.allowed(user, "case.create"))
    home.my_cases = cases.my_cases(user, limit=6, tasks=True)
    if not cases.nothing_waits_for(user):
        page = cases.inbox(user, 1, 5, tasks=True)
        home.waiting, home.waiting_total = page.items, page.total
        home.waiting_counted = True
    _sessions(user, home, now)
    _chat(user, home)
    home.hours = hours_summary(user)
    return home


def for_mentor(user) -> Home:
    """A central doctor: cases waiting for me, most urgent and least time
    left first; today's sessions; unread chat."""
    from mentoring.cases import queries as cases
    now = clock.now()
    home = Home(role="mentor")
    page = cases.inbox(user, 1, 8, tasks=True)
    home.waiting, home.waiting_total = page.items, page.total
    home.waiting_counted = True
    _sessions(user, home, now)
    _chat(user, home)
    return home


def for_staff(user) -> Home:
    """Coordinators and admins: only the numbers that ask for action."""
    from mentoring.competency.services import coordinator_alerts
    alerts = {
        "groups": db.session.execute(select(func.count()).select_from(MentoringGroup)).scalar(),
        "incomplete_groups": count_incomplete(),  # counted in the database, no group loaded
        "users": db.session.execute(select(func.count()).select_from(User)
                                    .where(User.active.is_(True))).scalar(),
    }
    alerts.update(coordinator_alerts())
    return Home(role="staff", alerts=alerts)


def for_user(user) -> Home:
    if policy.is_staff(user):
        return for_staff(user)
    if user.role == "mentor":
        return for_mentor(user)
    return for_worker(user)
