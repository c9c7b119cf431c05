"""The access matrix: every route and socket event, every role, allowed or not.

A row names a route (its rule in app.url_map and its method), a concrete
path built from the shared world's ids, a body when the route reads one
before it asks the policy, and the roles that get through. Everyone else
must be refused: 401/403/404 or a redirect to the login page. Guessed ids
(objects that do not exist, or another group's) have rows of their own.

Roles: the anonymous visitor; group A's commune, district and provincial
workers and its central doctor (mentor); the coordinator; the admin; and
group B's commune worker ("other"), who must see nothing of group A."""
from dataclasses import dataclass, field

ROLES = ("anon", "commune", "district", "provincial", "doctor", "coordinator", "admin", "other")

EVERYONE = frozenset(ROLES)
USERS = EVERYONE - {"anon"}
STAFF = frozenset({"coordinator", "admin"})
ADMIN = frozenset({"admin"})
NOBODY = frozenset()
GROUP_A = frozenset({"commune", "district", "provincial", "doctor"})
WORKERS_A = frozenset({"commune", "district", "provincial"})
ABOVE_COMMUNE = frozenset({"district", "provincial", "doctor"})
CASCADE = GROUP_A | {"other"}  # everyone who works in a group (workers and mentors)
MISSING = 987654  # an id nobody has


@dataclass(frozen=True)
class Row:
    method: str
    rule: str                 # as in app.url_map, e.g. "/cases/<int:case_id>"
    path: str                 # formatted with the world's ids, e.g. "/cases/{case_a}"
    allow: frozenset
    body: dict | None = None  # JSON for /api/, form data otherwise
    files: dict = field(default_factory=dict)  # multipart: field -> (bytes, name)
    note: str = ""
    # Statuses that also mean "refused" on this route (a group you are not in
    # refused as a field error, exactly like a group that does not exist).
    refused_with: frozenset = frozenset()


@dataclass(frozen=True)
class SocketRow:
    event: str
    payload: dict             # values formatted with the world's ids
    allow: frozenset
    note: str = ""


def rows(method_rule_path_allow: list[tuple]) -> list[Row]:
    """Short form: (method, rule, path, allow[, body])."""
    out = []
    for spec in method_rule_path_allow:
        method, rule, path, allow, *rest = spec
        out.append(Row(method, rule, path, frozenset(allow), body=rest[0] if rest else None))
    return out
