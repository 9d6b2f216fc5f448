"""The in-database feature store: feature views, point-in-time training sets, materialization, online reads.

`lake.features` is a FeatureStore. Views are SQL files with a header (see
docs/features.md); the point-in-time join lives in `pit.py`.
"""

from .store import FeatureStore, builtin_views
from .view import Feature, FeatureView

__all__ = ["Feature", "FeatureStore", "FeatureView", "builtin_views"]
