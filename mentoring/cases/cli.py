"""Command-line doors of the cases domain."""
import click
from flask.cli import with_appcontext

from mentoring.extensions import db


@click.command("reindex-cases")
@with_appcontext
def reindex_cases():
    """Recompute the search words of every case (run after an upgrade that
    changed diagnosis names, so old cases are found by the new words)."""
    from mentoring.cases.intake import reindex_search
    changed = reindex_search()
    db.session.commit()
    click.echo(f"{changed} cases re-indexed")


COMMANDS = [reindex_cases]
