"""The version of kpikit (stamped into results.json, specs' manifests and the CLI)."""

__version__ = "0.1.0"
