"""Scolarite: a GraphV1-compatible OData v4 school-administration API, its client and its importer."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("scolarite")
except PackageNotFoundError:  # pragma: no cover - run from a source tree that was never installed
    __version__ = "0.0.0+unknown"
