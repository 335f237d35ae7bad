"""Start the city's app with all four plugins and say so: what the start-up figure times.

``python -m benchmarks.startup DB_PATH`` loads the config, the plugins (entry points, manifests,
settings, hooks), checks the database and builds the Flask app with its admin, API and portal,
then prints ``ready``. ``python -m benchmarks.startup --bare`` builds an empty Flask app instead.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Build the app named on the command line, then print ``ready``."""
    if sys.argv[1] == "--bare":
        from flask import Flask

        app = Flask("bare")
        app.add_url_rule("/", "index", lambda: "ok")
    else:
        from benchmarks.city import PLUGINS, config_data
        from core.config import parse_config
        from core.runtime import Runtime
        from hostapp import create_app

        runtime = Runtime(parse_config(config_data(f"sqlite:///{sys.argv[1]}", PLUGINS)))
        app = create_app(runtime)
        assert app.test_client().get("/healthz").status_code == 200
    print("ready", flush=True)


if __name__ == "__main__":
    main()
