"""Facilities, groups and the cascade overview."""
from tests.auth.matrix import ADMIN, GROUP_A, NOBODY, STAFF, USERS, rows

ROWS = rows([
    ("GET", "/facilities", "/facilities", USERS),
    ("POST", "/facilities", "/facilities", ADMIN),
    ("GET", "/facilities/communes", "/facilities/communes?province_code=25", USERS),
    ("GET", "/groups", "/groups", USERS),
    ("GET", "/groups/new", "/groups/new", STAFF),
    ("POST", "/groups/new", "/groups/new", STAFF),
    ("GET", "/groups/overview", "/groups/overview", STAFF),
    ("GET", "/groups/<int:group_id>", "/groups/{group_a}", GROUP_A | STAFF),
    ("GET", "/groups/<int:group_id>", "/groups/{missing}", NOBODY),
    ("POST", "/groups/<int:group_id>", "/groups/{group_a}", STAFF),
    ("GET", "/api/v1/groups", "/api/v1/groups", USERS),
    ("GET", "/api/v1/groups/<int:group_id>", "/api/v1/groups/{group_a}", GROUP_A | STAFF),
    ("GET", "/api/v1/groups/<int:group_id>", "/api/v1/groups/{group_b}", STAFF | {"other"}),
    ("GET", "/api/v1/groups/<int:group_id>", "/api/v1/groups/{missing}", NOBODY),
])
