"""Command-line doors: create-user, import-admin-units, seed-demo, scheduler, serve,
export-data and import-data (mentoring.backup)."""
import click
from flask import current_app
from flask.cli import with_appcontext

from mentoring.errors import ServiceError
from mentoring.extensions import db


def register(app) -> None:
    for command in (create_user, import_admin_units, seed_demo, scheduler_command, serve):
        app.cli.add_command(command)
    from mentoring import backup
    for command in backup.COMMANDS:  # export-data, import-data
        app.cli.add_command(command)
    # A domain with commands of its own lists them in <domain>/cli.py as COMMANDS.
    from mentoring import DOMAINS, _optional
    for domain in DOMAINS:
        module = _optional(f"mentoring.{domain}.cli")
        for command in getattr(module, "COMMANDS", []):
            app.cli.add_command(command)


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["worker", "mentor", "coordinator", "admin"]))
@click.option("--tier", "tier_code", help="central, provincial, district or commune (the tiers table)")
@click.option("--facility", "facility", help="facility id or exact name")
@click.option("--name", "full_name", help="full name (asked for when missing)")
@click.option("--language", default="vi", type=click.Choice(["vi", "en"]))
@click.password_option(prompt="Password")
@with_appcontext
def create_user(email, role, tier_code, facility, full_name, language, password):
    """Create an account; the password is asked for, never passed on the command line."""
    from mentoring.auth import services
    full_name = full_name or click.prompt("Full name")
    facility_id = _facility_id(facility) if facility else None
    try:
        user = services.create_user(email=email, full_name=full_name, password=password, role=role,
                                    tier_code=tier_code, facility_id=facility_id, language=language)
    except ServiceError as err:
        db.session.rollback()
        # Field messages say what is wrong; the summary only when there are none.
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in err.fields.items())
        raise click.ClickException(details or err.message)
    db.session.commit()
    click.echo(f"created user {user.id} <{user.email}> role={user.role} tier={user.tier_code}")


def _facility_id(value: str) -> int:
    from sqlalchemy import select

    from mentoring.org.models import Facility
    if value.isdigit():
        found = db.session.get(Facility, int(value))
    else:
        found = db.session.execute(select(Facility).where(Facility.name == value)).unique().scalar_one_or_none()
    if found is None:
        raise click.ClickException(f"no facility {value!r}")
    return found.id


@click.command("import-admin-units")
@with_appcontext
def import_admin_units():
    """Import or refresh provinces and communes from the vietnam-provinces package."""
    from mentoring.org.services import import_admin_units as run
    provinces, communes = run()
    db.session.commit()
    click.echo(f"{provinces} provinces, {communes} communes")


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Idempotent demo data: the accounts of API.md on real facilities."""
    from mentoring.demo import seed
    summary = seed()
    db.session.commit()
    for line in summary:
        click.echo(line)


@click.command("scheduler")
@click.option("--once", is_flag=True, help="run every job once and exit (for cron or tests)")
@with_appcontext
def scheduler_command(once):
    """Run the scheduler process (exactly one per deployment)."""
    from mentoring import scheduler
    if once:
        for name in scheduler.run_all_once(current_app._get_current_object()):
            click.echo(f"ran {name}")
        return
    scheduler.run_forever(current_app._get_current_object())


@click.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--scheduler/--no-scheduler", default=None,
              help="run the scheduler in this process (default: MENTORING_SCHEDULER_EMBEDDED)")
@with_appcontext
def serve(host, port, scheduler):
    """One development/small-site process: HTTP + Socket.IO (threading)."""
    from mentoring import scheduler as scheduler_module
    from mentoring.extensions import socketio
    app = current_app._get_current_object()
    embedded = app.config.get("MENTORING_SCHEDULER_EMBEDDED") if scheduler is None else scheduler
    if embedded:
        scheduler_module.build(app, blocking=False).start()
    # Flask refuses app.run() under its CLI unless told this is deliberate.
    import os
    os.environ.pop("FLASK_RUN_FROM_CLI", None)
    click.echo(f"serving on http://{host}:{port} (scheduler {'on' if embedded else 'off'})")
    socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False,
                 log_output=False)
