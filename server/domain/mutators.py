"""The one place that lists every mutator module; importing it registers them all.

Add a module here when a new area brings its own mutators.
"""

from server.domain import workorders  # noqa: F401  create_work_order, dispatch, accept, ... call_back
