"""Reading a case writes (the audit log records every read). On SQLite a
request that will write must take the write lock when its transaction
begins: a plain BEGIN that later writes fails at once with "database is
locked" when another request wrote in between (SQLITE_BUSY_SNAPSHOT: the
busy timeout does not help), and the nurse gets a 503. Seen in the browser
journey: the asker's page refreshed the case at the moment the answerer's
page was redirected to it."""
import pytest
from flask import request

from mentoring import _writes_data
from tests.cases.helpers import gen_case
from tests.factories import gen_group


@pytest.mark.parametrize("path", ["/cases/{case}", "/cases/{case}/attachments/1"])
def test_a_case_read_takes_the_write_lock_at_begin(app, path):
    group, people = gen_group(complete=False)
    case = gen_case(group, people["commune"][0])
    url = path.format(case=case.id)
    with app.test_request_context(url, method="GET"):
        app.url_map.bind("localhost").match(url)  # the route exists
        request.url_rule = app.url_map.bind("localhost").match(url, return_rule=True)[0]
        assert request.endpoint in ("cases.detail", "cases.attachment")
        assert _writes_data()


def test_an_ordinary_read_does_not(app):
    with app.test_request_context("/sessions", method="GET"):
        request.url_rule = app.url_map.bind("localhost").match("/sessions", return_rule=True)[0]
        assert request.endpoint == "sessions.index"
        assert not _writes_data()
