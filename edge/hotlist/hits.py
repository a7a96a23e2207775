"""Alert details kept beside the store's hits, and the hit block of a peer message.

The store's ``hits`` table says which list a read matched (hotlist, category, match kind). The legal
basis and source of that list at the time of the alert are kept in ``hotlist_alerts`` (a store
migration, edge.store.schema), written by a store write hook in the same transaction as the hit. Its rows reference the
read with ``ON DELETE CASCADE``: when retention purges the read they go with it.

``hit_fields(conn, read_id, categories)`` is what a peer message carries under the granted ``hit``
field: one ``{hotlist, category, basis, match_kind}`` per hit, limited to the grant's categories.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from typing import Any


def hit_fields(
    conn: sqlite3.Connection, read_id: str, categories: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """The hits of a read as a peer sees them: hotlist, category, basis, match kind. With `categories`
    (a hit_categories grant) only hits of those categories."""
    try:
        rows = conn.execute(
            "SELECT h.hotlist, h.category, a.basis, h.match_kind FROM hits h LEFT JOIN hotlist_alerts a "
            "ON a.read_id = h.read_id AND a.hotlist = h.hotlist WHERE h.read_id = ? ORDER BY h.id",
            (read_id,),
        ).fetchall()
    except sqlite3.OperationalError:  # a store without hotlist_alerts: no basis to give
        rows = [
            (h, c, None, m)
            for h, c, m in conn.execute(
                "SELECT hotlist, category, match_kind FROM hits WHERE read_id = ? ORDER BY id", (read_id,)
            )
        ]
    wanted = None if categories is None else {c.strip().lower() for c in categories}
    return [
        {"hotlist": h, "category": c, "basis": b, "match_kind": m}
        for h, c, b, m in rows
        if wanted is None or (c is not None and c.lower() in wanted)
    ]
