"""The `sharing:` block of a site config with a grant to a real broker: shared by tests/share and the chaos suite."""

from __future__ import annotations

from edge_tools.harness.mosquitto import Pki

NODE = "edge-node"


def grant_yaml(
    broker_url: str, pki: Pki, *, search: bool = False, expires: str = "2030-01-01", max_inflight: int = 20
) -> str:
    """The `sharing:` block of a site config with one grant to peer-a (IL, all reads, plate/time/camera)."""
    ident = pki.client(NODE)
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
      search: {str(search).lower()}
      max_inflight: {max_inflight}
"""
