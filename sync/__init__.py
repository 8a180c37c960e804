"""Offline sync (CONTRACT.md "Sync"): push applies a device's queued mutations exactly once, pull sends
what changed since a server-assigned version. Independent of HTTP; server/http/routes/sync.py is its door.
"""

from sync.pull import pull_changes
from sync.push import apply_push
from sync.wire import PullRequest, PullResult, PushRequest, PushResult

__all__ = ["PullRequest", "PullResult", "PushRequest", "PushResult", "apply_push", "pull_changes"]
