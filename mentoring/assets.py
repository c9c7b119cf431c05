"""Light on a weak link: compressed responses, static files under
content-hashed names cached for a year, pages always revalidated.

Why our own forty lines rather than Flask-Assets or a whitenoise manifest:
the bundling is already done at setup (scripts/vendor.sh builds one trimmed
stylesheet and one icon sprite), so all that is left is naming each file by
its content. Hashing at first use, keyed on the file's mtime and size, means
the name is right after every deploy and every edit in development, with no
manifest to forget to rebuild. `url_for("static", filename=...)` gives the
hashed name everywhere (a url_defaults hook), so templates do not change.
"""
import hashlib
import os
import re
import threading

from flask import Flask, request
from flask_compress import Compress

YEAR = 31536000
DIGEST_LENGTH = 12
_HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{%d})(?P<ext>\.[A-Za-z0-9]+)$" % DIGEST_LENGTH)

compress = Compress()


class StaticDigests:
    """Content digest of each static file, recomputed only when it changes."""

    def __init__(self, root: str):
        self.root = root
        self._known: dict[str, tuple[int, int, str]] = {}
        self._lock = threading.Lock()

    def digest(self, filename: str) -> str | None:
        path = os.path.join(self.root, filename)
        try:
            st = os.stat(path)
        except OSError:
            return None
        known = self._known.get(filename)
        if known and known[0] == st.st_mtime_ns and known[1] == st.st_size:
            return known[2]
        with open(path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()[:DIGEST_LENGTH]
        with self._lock:
            self._known[filename] = (st.st_mtime_ns, st.st_size, digest)
        return digest

    def hashed_name(self, filename: str) -> str:
        digest = self.digest(filename)
        if digest is None:
            return filename  # a missing file 404s under its own name
        head, dot, ext = filename.rpartition(".")
        if not dot or "/" in ext:
            return f"{filename}.{digest}"
        return f"{head}.{digest}.{ext}"

    def original(self, filename: str) -> tuple[str, bool]:
        """(the file's real name, whether the hash in the asked name is its
        current content). A page from before a deploy may ask for an older
        hash: it gets today's file, but not for a year."""
        directory, _, base = filename.rpartition("/")
        match = _HASHED.match(base)
        if not match:
            return filename, False
        name = (directory + "/" if directory else "") + match["stem"] + match["ext"]
        current = self.digest(name)
        if current is None:
            return filename, False
        return name, current == match["digest"]


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "gzip", "deflate"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    app.config.setdefault("COMPRESS_REGISTER", bool(app.config.get("MENTORING_COMPRESS", True)))
    compress.init_app(app)  # its default types cover HTML, CSS, JS, JSON, SVG, the manifest

    digests = StaticDigests(app.static_folder)
    app.extensions["static_digests"] = digests

    @app.url_defaults
    def _hashed_static(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = digests.hashed_name(values["filename"])

    def static(filename: str):
        name, immutable = digests.original(filename)
        response = app.send_static_file(name)
        if immutable:
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
            response.cache_control.no_cache = None
        return response

    app.view_functions["static"] = static
    app.after_request(_page_cache)


def _page_cache(response):
    """Pages are revalidated every time (their content is per person and
    changes); views that must not be kept at all say no-store themselves."""
    if request.endpoint != "static" and "Cache-Control" not in response.headers \
            and response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-cache"
    return response
