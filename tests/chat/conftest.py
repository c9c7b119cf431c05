import pytest

from mentoring.chat import services
from mentoring.extensions import socketio
from tests.factories import token_headers


@pytest.fixture
def connect(app):
    """connect(user) -> a Socket.IO test client authenticated with a token."""
    clients = []

    def make(user):
        raw = token_headers(user)["Authorization"].split()[1]
        sc = socketio.test_client(app, flask_test_client=app.test_client(), auth={"token": raw})
        assert sc.is_connected()
        clients.append(sc)
        return sc
    yield make
    for sc in clients:
        if sc.is_connected():
            sc.disconnect()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    yield
    with app.app_context():
        services.reset_rate_limits()


def events(sc, name):
    # The test client reports the event named "message" like send(): args unwrapped.
    return [e["args"][0] if isinstance(e["args"], list) else e["args"]
            for e in sc.get_received() if e["name"] == name]
