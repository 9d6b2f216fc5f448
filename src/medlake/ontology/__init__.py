"""Code systems as graph tables in the lake's `vocab` schema: lookup, hierarchy and cross-maps in SQL."""

from .codes import Codes

__all__ = ["Codes"]
