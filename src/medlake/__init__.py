"""medlake: healthcare AI on one DuckDB database."""

__version__ = "0.1.0"

from .errors import MedlakeError  # noqa: E402
from .lake import Lake, connect  # noqa: E402

__all__ = ["Lake", "MedlakeError", "__version__", "connect"]
