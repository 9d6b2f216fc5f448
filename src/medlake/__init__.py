"""medlake: healthcare AI on one DuckDB database."""

from .errors import MedlakeError
from .lake import Lake, connect
from .version import __version__

__all__ = ["Lake", "MedlakeError", "__version__", "connect"]
