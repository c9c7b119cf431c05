"""Command-line doors: import and export frameworks (JSON or CSV)."""
from pathlib import Path

import click
from flask.cli import with_appcontext

from mentoring.errors import ServiceError
from mentoring.extensions import db


@click.command("import-framework")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_framework(path: Path):
    """Import or update a competency framework from a .json or .csv file."""
    from mentoring.competency import frameworks
    try:
        framework = frameworks.import_framework(frameworks.parse_file(path.name, path.read_bytes()))
    except ServiceError as err:
        db.session.rollback()
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in err.fields.items())
        raise click.ClickException(f"{err.message} {details}".strip())
    db.session.commit()
    count = len(frameworks.competencies_of(framework.code))
    click.echo(f"framework {framework.code}: {count} competencies")


@click.command("export-framework")
@click.argument("code")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="file (default: stdout)")
@with_appcontext
def export_framework(code: str, fmt: str, output: Path | None):
    """Export a competency framework as JSON or CSV."""
    from mentoring.competency import frameworks
    framework = frameworks.get_framework(code)
    if framework is None:
        raise click.ClickException(f"no framework {code!r}")
    text = frameworks.to_json(framework) if fmt == "json" else frameworks.to_csv(framework)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


COMMANDS = [import_framework, export_framework]
