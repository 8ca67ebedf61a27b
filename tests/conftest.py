"""The project's own tests: pytester for plugin behaviour."""

pytest_plugins = ["pytester"]
