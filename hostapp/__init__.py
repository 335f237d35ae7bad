"""The host app: turns a deployment config into a running Flask backend, API and portal."""

from hostapp.app import create_app

__all__ = ["create_app"]
