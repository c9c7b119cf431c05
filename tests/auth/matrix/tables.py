"""Every domain's rows, and the Socket.IO rows."""
from tests.auth.matrix import accounts, cases, chat, competency, org, sessions

ALL_ROWS = [*accounts.ROWS, *org.ROWS, *cases.ROWS, *chat.ROWS, *sessions.ROWS, *competency.ROWS]
SOCKET_ROWS = list(chat.SOCKET_ROWS)
