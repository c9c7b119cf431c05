"""The HTTP ceiling: a bare Flask route, no database, no template, no login,
served by the same gunicorn command as the app's HTTP processes (bench/load.sh):

    .venv/bin/gunicorn -k gthread -w 2 --threads 8 -b 127.0.0.1:8201 bench.bare_flask:app
"""
from flask import Flask

app = Flask(__name__)


@app.route("/bare")
def bare():
    return {"ok": True}
