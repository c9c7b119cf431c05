"""Events one domain announces and another may act on without importing it
(blinker, which Flask already uses). The training-hours ledger listens to
attendance and case answers; sessions and cases do not know it exists, so
either side can be absent.

A receiver runs inside the sender's transaction, before the door commits:
it may add or change rows and flush, never commit, and an error in it rolls
back the whole unit of work (nothing half-written)."""
from blinker import Namespace

_signals = Namespace()

# sessions -> anyone: a session's register changed (attendance recorded on
# join/leave, corrected by the host, or the session's time or status
# changed). sender: the session id; user_ids: the people whose minutes changed.
attendance_changed = _signals.signal("attendance-changed")

# sessions -> anyone: who presented at a session changed (an agenda item's
# presenter assigned or removed, or the session held or cancelled).
# sender: the session id; user_ids: the presenters concerned.
presentation_changed = _signals.signal("presentation-changed")

# cases -> anyone: someone other than the asker replied to a case.
# sender: the case id; user_id: the responder.
case_answered = _signals.signal("case-answered")
