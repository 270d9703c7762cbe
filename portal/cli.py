"""Command-line interface: `flask --app wsgi <command>`."""
import logging
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from portal.db import db


def register(app: Flask) -> None:
    for command in (migrate_command, init_command, create_isp_command, create_account_command,
                    demo_command, worker_command, verify_audit_command, backup_command,
                    restore_command):
        app.cli.add_command(command)


@click.command("migrate")
def migrate_command():
    """Apply pending database migrations."""
    from portal.migrate import apply_migrations
    applied = apply_migrations()
    click.echo("applied: " + ", ".join(applied) if applied else "nothing to do")


@click.command("init")
@click.option("--province", default="山西", show_default=True)
@click.option("--abbreviation", default="晋", show_default=True)
@click.option("--bureau-name", default="山西省通信管理局", show_default=True)
@click.option("--admin", "admin_username", default="admin", show_default=True)
@click.option("--admin-password", default=None, help="Default: a random initial password.")
def init_command(province, abbreviation, bureau_name, admin_username, admin_password):
    """Migrate, then create the settings, the signing key and the first bureau admin."""
    from portal.migrate import apply_migrations
    from portal.setup_instance import init_instance
    apply_migrations()
    with db.connection_context():
        initial = init_instance(province, abbreviation, bureau_name, admin_username,
                                admin_password)
    click.echo(f"instance ready: {province} ({abbreviation})")
    if initial:
        click.echo(f"bureau admin: {admin_username} / initial password: {initial}")


@click.command("create-isp")
@click.argument("name")
@click.option("--admin", "admin_username", required=True)
@click.option("--licence", default="")
@click.option("--phone", default="")
def create_isp_command(name, admin_username, licence, phone):
    """Create an ISP organisation and its first admin (initial password printed)."""
    from portal.services.organisations import create_isp
    with db.connection_context():
        isp, initial = create_isp(name, admin_username, licence_number=licence,
                                  consultation_phone=phone)
    click.echo(f"ISP {isp.name} (id {isp.id}); admin {admin_username} / initial password: "
               f"{initial}")


@click.command("create-account")
@click.argument("username")
@click.option("--tenant", type=click.Choice(["public", "isp", "bureau"]), required=True)
@click.option("--role", default=None)
@click.option("--isp", "isp_name", default=None, help="ISP organisation name (isp tenant).")
@click.option("--password", default=None, help="Default: a random initial password.")
def create_account_command(username, tenant, role, isp_name, password):
    """Create an account of any tenant."""
    from portal.models import IspOrganisation
    from portal.services import accounts
    defaults = {"public": "filer", "isp": "operator", "bureau": "reviewer"}
    with db.connection_context():
        org = IspOrganisation.get_or_none(IspOrganisation.name == isp_name) if isp_name else None
        if tenant == "isp" and org is None:
            raise click.UsageError("--isp must name an existing ISP organisation")
        _, initial = accounts.create_account(username, password, tenant=tenant,
                                             role=role or defaults[tenant], organisation=org,
                                             created_via="cli")
    click.echo(f"created {username} ({tenant})" + (f"; initial password: {initial}"
                                                    if initial else ""))


@click.command("demo")
def demo_command():
    """Load demo data (once): bureau staff, three ISPs, 50+ filers in every state."""
    from portal.demo import load_demo
    with db.connection_context():
        logins = load_demo()
    for line in logins:
        click.echo(line)


@click.command("worker")
@click.option("--workers", default=2, show_default=True)
@click.option("--periodic/--no-periodic", default=True, show_default=True,
              help="Run the periodic-task scheduler (one consumer per deployment should).")
def worker_command(workers, periodic):
    """Run the huey task consumer (stop with SIGINT: running tasks finish first).

    Polls an idle SqliteHuey queue at least every 0.5 s (portal.queue.CONSUMER_OPTIONS),
    runs each task in an app context and logs it for the bureau's task page."""
    from flask import current_app

    from portal import task_log, tasks  # tasks registers the tasks
    from portal.queue import create_consumer, huey, run_tasks_in_app_context
    if huey.immediate:
        raise click.UsageError("HUEY_IMMEDIATE is set: tasks run inline, no consumer needed")
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    run_tasks_in_app_context(current_app._get_current_object())
    task_log.connect()
    recovered = tasks.recover_deliveries()
    if recovered:
        logging.getLogger(__name__).warning(
            "re-queued %d outbox message(s) whose delivery was interrupted", recovered)
    create_consumer(workers=workers, periodic=periodic).run()


@click.command("verify-audit")
def verify_audit_command():
    """Verify the audit log's hash chain; exit 1 when it is broken."""
    from portal.audit import verify_chain
    with db.connection_context():
        report = verify_chain()
    if report.ok:
        click.echo(f"audit chain intact: {report.checked} events")
    else:
        click.echo(f"audit chain BROKEN at seq {report.seq}: {report.problem}", err=True)
        raise SystemExit(1)


def _instance_paths():
    from flask import current_app

    from portal.backup import InstancePaths
    return InstancePaths.from_config(current_app.config, current_app.instance_path)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path):
    """Write a backup archive (tar.gz) of the database and its files; safe while the
    portal runs (SQLite online backup, or pg_dump). See docs/operations.md."""
    from portal.backup import BackupError, create_backup
    try:
        manifest = create_backup(_instance_paths(), path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    size = sum(entry["size"] for entry in manifest["files"])
    level = manifest["migrations"][-1] if manifest["migrations"] else "none"
    click.echo(f"backup written: {path} ({len(manifest['files'])} files, {size} bytes, "
               f"{manifest['engine']}, migrations up to {level})")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace a database that holds data or looks in use.")
@with_appcontext
def restore_command(path, force):
    """Restore a backup archive: verified against its manifest, checked (integrity,
    migrations, audit chain), then moved into place; the old files are kept aside."""
    from portal.backup import BackupError, restore_backup
    try:
        report = restore_backup(_instance_paths(), path, force=force)
    except BackupError as exc:
        raise click.ClickException(f"restore refused: {exc}") from exc
    manifest = report["manifest"]
    click.echo(f"restored backup of {manifest['created_at']}: {len(manifest['files'])} "
               f"files, audit chain intact ({report['events']} events)")
