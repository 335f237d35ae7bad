"""Shared fixtures: see :mod:`core.testing`.

``core.testing`` reaches pytest through the ``pytest11`` entry point of the installed ``gongzhi``
distribution; naming it here as well keeps the suite working when plugin autoloading is off
(``PYTEST_DISABLE_PLUGIN_AUTOLOAD``). Registered under the same name, it is loaded only once.
``pytester`` runs pytest inside a test (tests/test_testing_plugin.py).
"""

pytest_plugins = ["core.testing", "pytester"]
