"""Every Dash callback of the dashboard, one module per page. Importing this package registers them.

Callbacks are thin: inputs -> `dashapp` (queries, user actions, builders) -> components. They are plain
functions, so tests call them directly with a real store.
"""

from callbacks import attributes, find, follow, library, map, navbar, people, people_sort, photos  # noqa: F401
