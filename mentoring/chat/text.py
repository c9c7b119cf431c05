"""A message's text: cleaning what was typed, the patient-identifier check
of shared rooms, and rendering it as safe HTML with clickable links. Pure
functions of the text (no database, no policy), kept apart so the escaping
rules can be read, and tested, on their own."""
import re

import nh3
from flask_babel import lazy_gettext as _l
from markupsafe import escape

from mentoring.chat.models import MAX_BODY, ChatRoom
from mentoring.errors import ValidationFailed

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_URL = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)


def clean_body(raw) -> str:
    if not isinstance(raw, str):
        raise ValidationFailed(_l("Please write a message."), {"body": _l("Please write a message.")})
    if len(raw) > 2 * MAX_BODY:
        # Length first, before any pattern: a padded body may shrink, a huge one is refused unread.
        msg = _l("A message can be at most %(n)s characters.", n=MAX_BODY)
        raise ValidationFailed(msg, {"body": msg})
    body = _CONTROL.sub("", raw.replace("\r\n", "\n")).strip()
    if not body:
        raise ValidationFailed(_l("Please write a message."), {"body": _l("Please write a message.")})
    if len(body) > MAX_BODY:
        msg = _l("A message can be at most %(n)s characters.", n=MAX_BODY)
        raise ValidationFailed(msg, {"body": msg})
    return body


def check_identifiers(room: ChatRoom, body: str) -> None:
    """Case, group and teaching-session rooms are where patients are
    discussed: the same identifier check as a case's text (phone, ID,
    insurance, e-mail, a name after "bệnh nhân"). Direct messages between
    two colleagues are left alone."""
    if room.kind == "direct" or not body:
        return
    from mentoring.cases.deident import identifier_in
    if message := identifier_in(body):
        raise ValidationFailed(message, {"body": message})


# Characters that end a sentence or close a quote or bracket around a link
# rather than belong to it: "xem (https://a.vn/b)." links https://a.vn/b.
_TRAILING = frozenset(".,;:!?'\")]}>»”’…")
_OPENER = {")": "(", "]": "[", "}": "{"}


def _link_end(url: str) -> int:
    """Where the link stops: trailing punctuation and closing quotes stay
    outside; a closing bracket stays inside only when the link opened it
    (https://vi.wikipedia.org/wiki/Sốt_(bệnh)). One pass from the end."""
    opened = {opener: url.count(opener) for opener in "([{"}
    closed = {closer: url.count(closer) for closer in _OPENER}
    end, keep = len(url), url.index("//") + 3   # never cut into the scheme and host's first letter
    while end > keep:
        char = url[end - 1]
        if char in _OPENER:
            if closed[char] <= opened[_OPENER[char]]:
                break
            closed[char] -= 1
        elif char not in _TRAILING:
            break
        end -= 1
    return end


def render_body(body: str) -> str:
    """Escaped text with links made clickable and line breaks kept; nh3 has
    the last word. Links are found in the text as typed, then every piece is
    escaped: found in escaped text, a closing quote ("&#34;") became part of
    the link."""
    parts, at = [], 0
    for match in _URL.finditer(body):
        url = match.group(0)
        end = _link_end(url)
        url, trail = url[:end], url[end:]
        parts += [str(escape(body[at:match.start()])),
                  f'<a href="{escape(url)}" target="_blank">{escape(url)}</a>', str(escape(trail))]
        at = match.end()
    parts.append(str(escape(body[at:])))
    html = "".join(parts).replace("\n", "<br>")
    return nh3.clean(html, tags={"a", "br"}, attributes={"a": {"href", "target"}},
                     link_rel="noopener noreferrer nofollow", url_schemes={"http", "https"})
