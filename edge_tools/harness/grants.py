"""The `sharing:` block of a site config with a grant to a real broker: shared by tests/share and the chaos suite."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from edge.share.seal import public_text, sign_request
from edge_tools.harness.mosquitto import Pki

NODE = "edge-node"
# peer-a's request-signing key in the test sites (a grant with search: true needs its public half).
PEER_A_SIGNER = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PEER_A_REQUEST_KEY = public_text(PEER_A_SIGNER.public_key())


def signed(body: dict[str, Any], now: datetime | None = None, to: str = NODE) -> dict[str, Any]:
    """`body` as peer-a sends it: addressed to `to` and signed with peer-a's request key."""
    return sign_request(body, PEER_A_SIGNER, now, to=to)


def grant_yaml(
    broker_url: str, pki: Pki, *, search: bool = False, expires: str = "2030-01-01", max_inflight: int = 20
) -> str:
    """The `sharing:` block of a site config with one grant to peer-a (IL, all reads, plate/time/camera);
    with `search`, peer-a's requests are checked against PEER_A_REQUEST_KEY (sign them with `signed`)."""
    ident = pki.client(NODE)
    request_key = f"\n      request_key: {PEER_A_REQUEST_KEY}" if search else ""
    return f"""
sharing:
  peers:
    - name: peer-a
      broker: {broker_url}
      ca: {pki.ca.path}
      cert: {ident.cert}
      key: {ident.key}
      topic_prefix: peers/a
      agency: Springfield PD
      jurisdiction: IL
      share: all
      fields: [plate, time, camera]
      purposes: [stolen-vehicle]
      legal_basis: mutual aid agreement 2026-14
      expires: {expires}
      search: {str(search).lower()}{request_key}
      max_inflight: {max_inflight}
"""
