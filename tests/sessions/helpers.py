"""Builders for session tests."""
from datetime import datetime, timedelta, timezone

from mentoring import clock
from mentoring.sessions import services

# A Monday 08:00 in Hà Nội; tests freeze the clock here so times are exact.
T0 = datetime(2027, 1, 4, 1, 0, tzinfo=timezone.utc)


def freeze():
    clock.freeze(T0)
    return T0


def at(days: float = 7, hours: float = 0) -> datetime:
    return clock.now() + timedelta(days=days, hours=hours)


def body(group, **over) -> dict:
    """The service's input for a one-hour session a week ahead."""
    return {"title": "Giao ban tăng huyết áp", "group_ids": [group.id], "starts_at": at(7),
            "duration_minutes": 60, "video_url": "https://meet.example.org/abc", **over}


def gen_session(group, host, **over):
    session, _overlaps = services.schedule_session(host, body(group, **over))
    return session


def client_for(app, user, password=None):
    """A logged-in test client of its own (one login per client: the login
    page sends a logged-in person home instead of switching accounts), each
    request in a fresh app context so no login leaks between clients."""
    from tests.conftest import _FreshContextClient
    from tests.factories import PASSWORD, login
    app.test_client_class = _FreshContextClient
    client = app.test_client()
    login(client, user, password or PASSWORD)
    return client
