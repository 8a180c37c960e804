"""The object types sync sends, listed once: each module offers `full`, `changed` and `visible_ids`.

An area that syncs a new type adds its module here (and `touch`es the change log on every write).
"""

from sync.objects import alarm, shift, site, user, work_order

SYNCED_TYPES = {m.TYPE: m for m in (site, user, work_order, alarm, shift)}
