"""Start the city's app with all four plugins and say so: what the start-up figure times.

``python -m benchmarks.startup DB_PATH`` loads the config, the plugins (entry points, manifests,
settings, hooks), checks the database and builds the Flask app with its admin, API and portal,
then prints ``ready``. ``python -m benchmarks.startup --bare`` builds an empty Flask app instead.

Either then ends the process at once (``os._exit``), without the interpreter's tear-down: the
figure times a start until the app answers, and the measuring side waits for the process to end.
Tearing down four plugins' worth of modules took another 0.4 s that no deployment spends on
starting (a server keeps running).
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Build the app named on the command line, then print ``ready``."""
    if sys.argv[1] == "--bare":
        from flask import Flask

        app = Flask("bare")
        app.add_url_rule("/", "index", lambda: "ok")
    else:
        from core.config import parse_config
        from core.runtime import Runtime
        from hostapp import create_app

        # The deployment file's content, as benchmarks.city writes it, without importing that
        # module (it imports the test helpers, which no deployment loads).
        config = {
            "deployment": {
                "name": "恩施州基层治理平台",
                "locality_code": "422800000000",
                "locality_name": "恩施土家族苗族自治州",
                "database_url": f"sqlite:///{sys.argv[1]}",
            },
            "plugins": {"enabled": ["points", "assistance", "supervision", "consultation"]},
        }
        runtime = Runtime(parse_config(config))
        app = create_app(runtime)
        assert app.test_client().get("/healthz").status_code == 200
    print("ready", flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
