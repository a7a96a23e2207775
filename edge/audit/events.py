"""What the ledger records: the actions, who did them, and what each one means."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    SEARCH = "search"
    SEARCH_DENIED = "search_denied"
    SEARCH_RESULT = "search_result"
    SHARE = "share"
    SHARE_DENIED = "share_denied"
    PURGE = "purge"
    CONFIG_LOADED = "config_loaded"
    CONFIG_CHANGED = "config_changed"
    HOTLIST_IMPORTED = "hotlist_imported"
    HOTLIST_REFUSED = "hotlist_refused"
    HOTLIST_REMOVED = "hotlist_removed"
    ALERT = "alert"
    REVIEW = "review"
    EXPORT = "export"
    STARTUP = "startup"
    SHUTDOWN = "shutdown"
    VERIFY = "verify"
    GENESIS = "genesis"
    CHECKPOINT_INTERVAL = "checkpoint_interval"


ACTION_HELP: dict[Action, str] = {
    Action.SEARCH: "A search policy allowed; written before the store is queried (detail: purpose, case, "
    "reason, requester, on_behalf_of, query kind, plate token, time window).",
    Action.SEARCH_DENIED: "A search policy refused (detail: the request and the rule and reason of the denial).",
    Action.SEARCH_RESULT: "What an allowed search returned, written after the store answered and before anyone "
    "sees it (detail: the search entry's seq and hash, number of reads, their ids, the limit and whether it "
    "was reached; never plate text).",
    Action.SHARE: "Reads sent to a peer under a grant (detail: peer, grant, number of reads).",
    Action.SHARE_DENIED: "A share policy refused (detail: peer, rule, reason).",
    Action.PURGE: "Retention removed data from the store (detail: the store's purge receipt).",
    Action.CONFIG_LOADED: "A configuration was loaded for the first time (detail: its SHA-256 and content).",
    Action.CONFIG_CHANGED: "The configuration differs from the last one recorded (detail: changed keys, old and "
    "new values, who ran it).",
    Action.HOTLIST_IMPORTED: "A hotlist was imported (detail: source, provenance, entry count).",
    Action.HOTLIST_REFUSED: "A hotlist import policy refused, e.g. a prohibited category (detail: the list's "
    "provenance, file SHA-256, rule and reason; no plates).",
    Action.HOTLIST_REMOVED: "Hotlist entries were removed, by hand or because they expired (detail: list, "
    "provenance, entry count, reason; no plates).",
    Action.ALERT: "A read matched a hotlist and raised an alert; written before the hit is stored and shared "
    "(detail: read id, camera, hotlist, category, basis, match kind; no plate).",
    Action.REVIEW: "A read matched a hotlist only by one OCR confusion, or below hotlists.min_confidence: a "
    "candidate for a person to check against the evidence crop, never an alert; no hit is stored or shared "
    "(detail: read id, camera, hotlist, category, match kind, confidence, why; no plate).",
    Action.EXPORT: "Data left the device by export (detail: what, how many, where).",
    Action.STARTUP: "The pipeline started.",
    Action.SHUTDOWN: "The pipeline stopped (a signed checkpoint follows).",
    Action.GENESIS: "The ledger's first entry, written by the ledger itself when it is created (detail: ledger "
    "id, device node_id, origin and verifier key); its hash is anchored in the store and beside the key.",
    Action.VERIFY: "Someone verified the ledger (detail: result, first bad sequence number if any).",
    Action.CHECKPOINT_INTERVAL: "Written by the ledger itself, and signed at once, when audit.checkpoint_every "
    "differs from the interval the signed entries set (detail: the new and the old interval): how many "
    "unsigned entries the device and verify accept after the last checkpoint is taken from the signed chain "
    "only, never from a file an attacker could edit.",
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did it: a person (or 'system') and the agency they act for."""

    user: str
    agency: str

    @classmethod
    def system(cls, node_id: str) -> Actor:
        return cls("system", node_id)
