"""The object types sync sends, listed once: each module offers `full`, `changed` and `visible_ids`.

An area that syncs a new type adds its module here (and `touch`es the change log on every write).
"""

from types import MappingProxyType

from sync.objects import alarm, shift, site, user, work_order

# The extension point `SYNCED_TYPES` (server/extensions.py), in the order a full pull sends them.
SYNCED_TYPES = MappingProxyType({m.TYPE: m for m in (site, user, work_order, alarm, shift)})
