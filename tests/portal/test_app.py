"""The factory, configuration and CLI."""
import pytest

from portal import create_app
from portal.config import ConfigError, load_config


def test_routes_list_every_tenant(app):
    from flask.cli import routes_command
    result = app.test_cli_runner().invoke(routes_command)
    for endpoint in ("public.index", "api.lookup_api", "isp.home", "bureau.home"):
        assert endpoint in result.output


def test_production_mode_requires_a_secret_key(tmp_path):
    with pytest.raises(ConfigError):
        load_config(tmp_path, {"PRODUCTION": True}, environ={})


def test_embedded_default_generates_the_secret_once(tmp_path):
    first = load_config(tmp_path, None, environ={})["SECRET_KEY"]
    assert first == load_config(tmp_path, None, environ={})["SECRET_KEY"] and len(first) >= 64


def test_database_url_defaults_to_the_instance_folder(tmp_path):
    config = load_config(tmp_path, None, environ={})
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'portal.db'}"
    assert config["HUEY_URL"] == f"sqlite:///{tmp_path / 'huey.db'}"


@pytest.mark.sqlite_only
def test_unmigrated_database_is_refused_with_the_command_to_run(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "INSTANCE_PATH": str(tmp_path),
                      "HUEY_URL": "memory://"})
    response = app.test_client().get("/")
    assert response.status_code == 503 and b"flask --app wsgi migrate" in response.data


@pytest.mark.sqlite_only
def test_sqlite_runs_in_wal_with_immediate_transactions(app):
    from portal.db import db
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.obj._lock_type == "IMMEDIATE"


def test_init_and_create_commands(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    result = runner.invoke(args=["create-isp", "命令行接入商", "--admin", "cliadmin"])
    assert result.exit_code == 0 and "initial password" in result.output
    result = runner.invoke(args=["create-account", "cliop", "--tenant", "isp", "--isp",
                                 "命令行接入商"])
    assert result.exit_code == 0 and "initial password" in result.output
    result = runner.invoke(args=["create-account", "x", "--tenant", "isp", "--isp", "none"])
    assert result.exit_code != 0
