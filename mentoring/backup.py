"""Backups that restore: `flask --app wsgi export-data ARCHIVE` and
`import-data ARCHIVE` move every table and every uploaded file between
installs, SQLite or PostgreSQL, in one tar archive.

The archive holds manifest.json (format version, the schema's Alembic
revision, rows per table, the sha256 of every file in it), one JSON-lines
file per table under tables/, and instance/uploads/ under uploads/. Tables
come from db.metadata, so a table a new domain adds is carried without
anyone touching this module, in foreign-key order (parents first). Rows
that point into their own table (a follow-up case, a reply to a reply, a
supervisor) are written without that link first and linked in a second
pass, so the order of rows within a table never matters.

Import checks every checksum and row count before writing anything,
refuses an archive made at another schema revision (migrate first), and
refuses a target that already holds data unless told to replace it."""
import hashlib
import io
import json
import os
import tarfile
import tempfile
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import Date, DateTime, Integer, Numeric, Time, func, inspect, select, text, update
from sqlalchemy.types import TypeDecorator

from mentoring import clock
from mentoring.extensions import db

FORMAT_VERSION = 1
BATCH = 1000
# Rows the first migration inserts itself: present in a freshly migrated, otherwise empty database.
MIGRATION_ROWS = {"tiers"}


class BackupError(click.ClickException):
    pass


# --- values: JSON in, JSON out ---------------------------------------------

def _plain(value):
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        import base64
        return base64.b64encode(bytes(value)).decode()
    return value


def _kind(column):
    kind = column.type
    while isinstance(kind, TypeDecorator):
        kind = kind.impl if not isinstance(kind.impl, type) else kind.impl()
    return kind


def _decoder(column):
    kind = _kind(column)
    if isinstance(kind, DateTime):
        return datetime.fromisoformat
    if isinstance(kind, Date):
        return date.fromisoformat
    if isinstance(kind, Time):
        return time.fromisoformat
    if isinstance(kind, Numeric) and getattr(kind, "asdecimal", False):
        return Decimal
    return None


def _tables():
    return list(db.metadata.sorted_tables)


def _self_links(table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def _revision() -> str | None:
    if not inspect(db.engine).has_table("alembic_version"):
        return None
    return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _upload_root() -> Path:
    return Path(current_app.instance_path) / "uploads"


# --- export -------------------------------------------------------------------

def export_data(archive: Path) -> dict:
    """Write the archive; returns its manifest."""
    if db.engine.dialect.name == "postgresql":  # one snapshot for every table, writers or not
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    manifest = {"format": FORMAT_VERSION, "created_at": clock.now().isoformat(),
                "dialect": db.engine.dialect.name, "alembic_revision": _revision(),
                "tables": {}, "files": {}}
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        (work / "tables").mkdir()
        for table in _tables():
            name = f"tables/{table.name}.jsonl"
            rows = 0
            order = list(table.primary_key.columns) or list(table.columns)
            stmt = select(table).order_by(*order).execution_options(yield_per=BATCH)
            with (work / name).open("w", encoding="utf-8") as out:
                for row in db.session.execute(stmt).mappings():
                    out.write(json.dumps({k: _plain(v) for k, v in row.items()}, ensure_ascii=False,
                                         sort_keys=True) + "\n")
                    rows += 1
            manifest["tables"][table.name] = {"rows": rows, "file": name, "sha256": _sha256(work / name)}
        root = _upload_root()
        uploads = sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
        for path in uploads:
            manifest["files"]["uploads/" + path.relative_to(root).as_posix()] = _sha256(path)
        archive.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(archive, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds personal data
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            body = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mode = len(body), 0o600
            tar.addfile(info, io.BytesIO(body))
            for entry in manifest["tables"].values():
                tar.add(work / entry["file"], arcname=entry["file"], recursive=False)
            for path in uploads:
                tar.add(path, arcname="uploads/" + path.relative_to(root).as_posix(), recursive=False)
    return manifest


# --- import -------------------------------------------------------------------

def _read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(tar.extractfile("manifest.json"))
    except (KeyError, ValueError, AttributeError) as err:
        raise BackupError(f"not a backup archive (manifest.json: {err})")
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"archive format {manifest.get('format')!r}; this version reads {FORMAT_VERSION}")
    return manifest


def _safe_member(name: str) -> bool:
    parts = Path(name).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts


def _verify(tar: tarfile.TarFile, manifest: dict, work: Path) -> None:
    """Extract the data files into `work` and check every sha256 and row count."""
    expected = {e["file"]: e["sha256"] for e in manifest["tables"].values()}
    expected.update(manifest["files"])
    for name, digest in expected.items():
        if not _safe_member(name) or not (name.startswith("tables/") or name.startswith("uploads/")):
            raise BackupError(f"refusing the archive member {name!r}")
        try:
            member = tar.getmember(name)
        except KeyError:
            raise BackupError(f"{name} is listed in the manifest but missing from the archive")
        if not member.isfile():
            raise BackupError(f"{name} is not a regular file")
        target = work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with tar.extractfile(member) as src, target.open("wb") as out:
            while chunk := src.read(1 << 20):
                out.write(chunk)
        if _sha256(target) != digest:
            raise BackupError(f"checksum mismatch for {name}: the archive is damaged")
    for table_name, entry in manifest["tables"].items():
        with (work / entry["file"]).open(encoding="utf-8") as handle:
            rows = sum(1 for _ in handle)
        if rows != entry["rows"]:
            raise BackupError(f"{table_name}: {rows} rows in the file, {entry['rows']} in the manifest")


def _occupied() -> list[str]:
    found = []
    for table in _tables():
        if table.name in MIGRATION_ROWS:
            continue
        if db.session.execute(select(func.count()).select_from(table)).scalar():
            found.append(table.name)
    return found


def import_data(archive: Path, replace: bool = False) -> dict:
    """Load the archive into this install; returns its manifest. One transaction."""
    with tarfile.open(archive, mode="r:*") as tar, tempfile.TemporaryDirectory() as work:
        work = Path(work)
        manifest = _read_manifest(tar)
        here = _revision()
        if manifest["alembic_revision"] != here:
            raise BackupError(f"the archive is at schema revision {manifest['alembic_revision']!r}, this "
                              f"database at {here!r}: run `flask --app wsgi db upgrade` on both first")
        known = {t.name for t in _tables()}
        unknown = set(manifest["tables"]) - known
        if unknown:
            raise BackupError(f"tables this version does not have: {', '.join(sorted(unknown))}")
        _verify(tar, manifest, work)
        occupied = _occupied()
        if occupied and not replace:
            raise BackupError("the database already holds data (" + ", ".join(occupied[:5]) +
                              "); import into an empty database, or pass --replace to overwrite it")
        try:
            _load(manifest, work)
            _place_uploads(manifest, work, replace)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return manifest


def _load(manifest: dict, work: Path) -> None:
    tables = _tables()
    for table in reversed(tables):
        db.session.execute(table.delete())
    links: list[tuple] = []
    for table in tables:
        entry = manifest["tables"].get(table.name)
        if entry is None:
            continue
        decoders = {c.name: _decoder(c) for c in table.columns}
        deferred = _self_links(table)
        key = [c.name for c in table.primary_key.columns]
        batch: list[dict] = []
        with (work / entry["file"]).open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                for name, value in row.items():
                    decode = decoders.get(name)
                    if decode is not None and value is not None:
                        row[name] = decode(value)
                for name in deferred:
                    if row.get(name) is not None:
                        links.append((table, {k: row[k] for k in key}, name, row[name]))
                        row[name] = None
                batch.append(row)
                if len(batch) >= BATCH:
                    db.session.execute(table.insert(), batch)
                    batch = []
        if batch:
            db.session.execute(table.insert(), batch)
    for table, key, name, value in links:
        where = [table.c[k] == v for k, v in key.items()]
        db.session.execute(update(table).where(*where).values({name: value}))
    if db.engine.dialect.name == "postgresql":
        _reset_sequences(tables)


def _reset_sequences(tables) -> None:
    """Rows came with their ids: move each id sequence past the largest, or
    the next insert would collide with an imported row."""
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(_kind(keys[0]), Integer):
            continue
        sequence = db.session.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                      {"t": table.name, "c": keys[0].name}).scalar()
        if sequence:
            db.session.execute(text(f'SELECT setval(:s, COALESCE((SELECT MAX("{keys[0].name}") FROM '
                                    f'"{table.name}"), 1), (SELECT MAX("{keys[0].name}") FROM '
                                    f'"{table.name}") IS NOT NULL)'), {"s": sequence})


def _place_uploads(manifest: dict, work: Path, replace: bool) -> None:
    root = _upload_root()
    root.mkdir(parents=True, exist_ok=True)
    if replace:
        for path in sorted(root.rglob("*"), reverse=True):
            if path.is_file():
                path.unlink()
    for name in manifest["files"]:
        target = root / name[len("uploads/"):]
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(work / name, target)


# --- the commands -------------------------------------------------------------

@click.command("export-data")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_command(archive: Path):
    """Write every table and uploaded file to ARCHIVE (.tar.gz) with a manifest and checksums."""
    manifest = export_data(archive)
    rows = sum(e["rows"] for e in manifest["tables"].values())
    click.echo(f"wrote {archive}: {len(manifest['tables'])} tables, {rows} rows, {len(manifest['files'])} "
               f"files, schema revision {manifest['alembic_revision']}")


@click.command("import-data")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="overwrite a database (and uploads) that already holds data")
@with_appcontext
def import_command(archive: Path, replace: bool):
    """Load ARCHIVE made by export-data into this install (same schema revision)."""
    manifest = import_data(archive, replace=replace)
    rows = sum(e["rows"] for e in manifest["tables"].values())
    click.echo(f"loaded {archive}: {len(manifest['tables'])} tables, {rows} rows, "
               f"{len(manifest['files'])} files")


COMMANDS = [export_command, import_command]
