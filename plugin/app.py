"""The Flask application factory: no module-level app; settings validated before anything starts."""
from __future__ import annotations

from flask import Flask

from . import logs
from .config import load_settings
from .db import make_engine, make_session_factory
from .secretbox import check_key


def create_app(config: dict | None = None) -> Flask:
    """Build the web app from CONTACTGUARD_* settings, the instance file and `config` overrides."""
    settings = load_settings(config)
    app = Flask("contactguard", instance_path=settings["INSTANCE_PATH"], instance_relative_config=True)
    app.config.update(settings)
    app.config["CONTACTGUARD"] = settings
    logs.configure(settings["LOG_LEVEL"])
    engine = make_engine(settings["DATABASE_URL"])
    app.extensions["contactguard.engine"] = engine
    app.extensions["contactguard.sessions"] = make_session_factory(engine)
    try:
        with app.extensions["contactguard.sessions"]() as session:
            check_key(session, settings)  # a lost key would make every webhook fail: refuse to start instead
    except Exception:
        engine.dispose()
        raise

    from webhooks import receiver

    from .web import health

    app.register_blueprint(health.bp)
    app.register_blueprint(receiver.bp)
    return app
