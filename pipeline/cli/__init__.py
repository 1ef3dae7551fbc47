"""The `footfall` command: thin Typer entry points over the pipeline functions, one module a
command group (`footfall = "pipeline.cli:app"`). Importing a module registers its commands on
the app, in the order `footfall --help` lists them.

Exit codes: 0 done, 1 failed (the message says what to do), 2 usage error.
"""

from pipeline.cli import data, registry, privacy, night, release, basemap, demo  # noqa: F401
from pipeline.cli.common import app

__all__ = ["app"]
