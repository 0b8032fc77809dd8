"""The running version, from the installed package metadata."""

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("iku-sop")
except PackageNotFoundError:  # running from a bare checkout
    VERSION = "0.0.0+unknown"
