"""The one clock. Everything that asks "what time is it" asks here, so tests
can move time (escalation deadlines, reminders, token expiry) without sleeping."""
from datetime import datetime, timedelta, timezone

_frozen: datetime | None = None


def now() -> datetime:
    """Timezone-aware UTC now."""
    return _frozen if _frozen is not None else datetime.now(timezone.utc)


def freeze(at: datetime) -> None:
    global _frozen
    if at.tzinfo is None:
        raise ValueError("clock.freeze needs an aware datetime")
    _frozen = at.astimezone(timezone.utc)


def advance(delta: timedelta) -> None:
    freeze(now() + delta)


def unfreeze() -> None:
    global _frozen
    _frozen = None
