"""`flask --app wsgi ...` with the platform's one clock (mentoring.clock.now)
running ahead by the number of seconds written in $E2E_CLOCK_OFFSET_FILE.

A journey schedules a session in the future (as the form insists), then
lets the server's time pass to the session's start, where the register
opens, without sleeping and without a test hook in the application."""
import os
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from mentoring import clock

_offset_file = Path(os.environ["E2E_CLOCK_OFFSET_FILE"])


def _now() -> datetime:
    if clock._frozen is not None:
        return clock._frozen
    try:
        seconds = float(_offset_file.read_text() or 0)
    except (OSError, ValueError):
        seconds = 0
    return datetime.now(timezone.utc) + timedelta(seconds=seconds)


clock.now = _now

if __name__ == "__main__":
    from flask.cli import main
    sys.argv = ["flask", "--app", "wsgi", *sys.argv[1:]]
    main()
