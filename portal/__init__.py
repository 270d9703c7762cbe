"""The portal's core and its application factory."""
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app: defaults, then environment, then `config` (tests)."""
    from portal import audit, cli, ephemeral, keys
    from portal.config import load_config
    from portal.db import bind_database
    from portal.queue import configure_queue
    from portal.services import accounts, uploads
    from portal.web import setup

    app = Flask(__name__, instance_path=str((config or {}).get("INSTANCE_PATH")
                                            or _instance_path()),
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.update(load_config(app.instance_path, config))
    bind_database(app.config["DATABASE_URL"], app.config["DATABASE_REPLICA_URL"])
    configure_queue(app.config["HUEY_URL"], app.config["HUEY_IMMEDIATE"])
    keys.configure(app.config["SIGNING_KEY_PATH"])
    audit.configure(app.config["AUDIT_HEAD_PATH"])
    ephemeral.configure(app.config["LIMITS_URL"])
    uploads.configure(app.config["UPLOAD_FOLDER"])
    from portal import delivery
    delivery.configure(app.config)   # mail and SMS adapters; worker threads have no app context
    accounts.configure(app.config["SECRET_KEY"])
    setup.init_app(app)
    _register_blueprints(app)
    cli.register(app)
    return app


def _instance_path() -> Path:
    import os
    return Path(os.environ.get("INSTANCE_PATH") or ROOT / "instance")


def _register_blueprints(app: Flask) -> None:
    from tenants.bureau import bp as bureau_bp
    from tenants.isp import api_bp as isp_api_bp
    from tenants.isp import bp as isp_bp
    from tenants.public import api_bp as public_api_bp
    from tenants.public import bp as public_bp

    app.register_blueprint(public_bp, url_prefix="/")
    app.register_blueprint(public_api_bp, url_prefix="/api/v1")
    app.register_blueprint(isp_bp, url_prefix="/isp")
    app.register_blueprint(isp_api_bp, url_prefix="/api/v1/isp")
    app.register_blueprint(bureau_bp, url_prefix="/bureau")
