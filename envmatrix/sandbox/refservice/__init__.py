"""The reference Task Manager API: a small, faithful stand-in for the smoke contract (sandbox only)."""

from envmatrix.sandbox.refservice.app import create_app
from envmatrix.sandbox.refservice.server import TlsServer
from envmatrix.sandbox.refservice.settings import Extras, ServiceSettings, settings_from_env

__all__ = ["Extras", "ServiceSettings", "TlsServer", "create_app", "settings_from_env"]
