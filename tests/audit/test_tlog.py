"""Item 7 of issue 27: the ledger as an RFC 6962 Merkle tree, consistency proofs, and a witness that
cosigns only tree heads extending the last one it saw; `audit verify --witness` checks a cosigned one."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from edge.audit.merkle import EMPTY_ROOT, consistency_proof, leaf_hash, node_hash, tree_root, verify_consistency
from edge_tools import attack_ledger as atk

HASHES = [hashlib.sha256(str(i).encode()).digest() for i in range(40)]


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, recursively, as written."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


def test_tree_root_is_rfc6962_for_every_size():
    for n in range(len(HASHES) + 1):
        assert tree_root(HASHES[:n]) == _mth(HASHES[:n]), n


def test_every_consistency_proof_verifies_and_a_changed_history_does_not():
    for n in range(1, len(HASHES) + 1):
        for m in range(1, n + 1):
            old, new = tree_root(HASHES[:m]), tree_root(HASHES[:n])
            proof = consistency_proof(HASHES[:n], m)
            assert verify_consistency(m, n, old, new, proof), (m, n)
            if m < n:
                forked = [*HASHES[: m - 1], b"\xff" * 32, *HASHES[m:n]]
                assert not verify_consistency(m, n, old, tree_root(forked), consistency_proof(forked, m)), (m, n)
                assert not verify_consistency(m, n, old, new, proof[:-1]), (m, n)
    assert consistency_proof(HASHES[:8], 3)
    assert not verify_consistency(3, 8, EMPTY_ROOT, EMPTY_ROOT, [])


def _tlog(attack_site: atk.Site, out: Path, old: int | None = None) -> dict:
    args = ["audit", "tlog", "--config", str(attack_site.config), "--out", str(out)]
    code, _, err = atk.cli(*args, *(["--from", str(old)] if old else []))
    assert code == 0, err
    return json.loads(out.read_text())


def _witness(attack_site: atk.Site, bundle: Path, tmp: Path) -> tuple[int, str, str]:
    return atk.cli(
        "audit", "witness", str(bundle), "--vkey", attack_site.pinned, "--state", str(tmp / "state"),
        "--key", str(tmp / "witness.key"), "--name", "auditor.example/laptop", "--out", str(tmp / "cosigned.txt"),
    )  # fmt: skip


@pytest.fixture
def attack_site(tmp_path: Path) -> atk.Site:
    return atk.build_site(tmp_path / "site", searches=4)


def test_a_witness_cosigns_growth_and_refuses_a_rewrite_signed_with_the_device_key(attack_site, tmp_path):
    first = _tlog(attack_site, tmp_path / "b1.json")
    code, note, err = _witness(attack_site, tmp_path / "b1.json", tmp_path)
    assert code == 0, err
    assert "trusted on first use" in err
    assert note.count("\n\u2014 ") == 2  # the device's signature and the witness's
    size1 = int(first["checkpoint"].split("\n")[1])
    for plate in atk.PLATES:
        assert atk.search(attack_site, plate, atk.GOOD)[0] == 0
    _tlog(attack_site, tmp_path / "b2.json", size1)
    code, _, err = _witness(attack_site, tmp_path / "b2.json", tmp_path)
    assert code == 0, err
    assert f"extends {size1}" in err
    cosigned = tmp_path / "kept.txt"
    cosigned.write_text((tmp_path / "cosigned.txt").read_text())
    code, out, err = atk.cli(
        "audit", "verify", "--config", str(attack_site.config), "--no-record", "--witness", str(cosigned)
    )
    assert code == 0, out + err
    size2 = int(cosigned.read_text().split("\n")[1])

    atk.resign_with_key(attack_site)  # (b): history rewritten and every local record re-signed with the device key
    code, out, _ = atk.cli(
        "audit", "verify", "--config", str(attack_site.config), "--no-record", "--json", "--witness", str(cosigned)
    )
    assert code == 4
    assert json.loads(out)["problem"] == "rewritten"
    _tlog(attack_site, tmp_path / "b3.json", size2)
    code, _, err = _witness(attack_site, tmp_path / "b3.json", tmp_path)
    assert code == 4
    assert "fork: another tree of size" in err  # same size, other history
    assert atk.search(attack_site, atk.PLATES[1], atk.GOOD)[0] == 0  # the device runs on, the ledger grows
    _tlog(attack_site, tmp_path / "b4.json", size2)
    code, _, err = _witness(attack_site, tmp_path / "b4.json", tmp_path)
    assert code == 4
    assert "consistency proof fails" in err


def test_a_witness_refuses_a_rollback_and_a_forged_signature(attack_site, tmp_path):
    _tlog(attack_site, tmp_path / "old.json")
    assert atk.search(attack_site, atk.PLATES[0], atk.GOOD)[0] == 0
    newer = _tlog(attack_site, tmp_path / "new.json")
    assert _witness(attack_site, tmp_path / "new.json", tmp_path)[0] == 0
    code, _, err = _witness(attack_site, tmp_path / "old.json", tmp_path)
    assert code == 4
    assert "rollback" in err
    newer["checkpoint"] = newer["checkpoint"].replace("\n\n\u2014 ", "\nextra\n\n\u2014 ")
    (tmp_path / "forged.json").write_text(json.dumps(newer))
    code, _, err = _witness(attack_site, tmp_path / "forged.json", tmp_path)
    assert code == 4
    assert "not a tree head signed by" in err


def test_the_cosignature_is_c2sp_tlog_cosignature_v1(tmp_path):
    """Key id SHA-256(name ‖ 0x0A ‖ 0x04 ‖ key)[:4], then an 8-byte time, then Ed25519 over
    'cosignature/v1\\ntime T\\n' followed by the checkpoint body."""
    import base64

    from edge.audit.checkpoint import load_or_create_key, public_bytes
    from edge.audit.tlog import cosignature_line

    key = load_or_create_key(tmp_path / "w.key")
    body = "edge-alpr.local/n1/audit/tlog\n3\nAAAA\n"
    line = cosignature_line(key, "auditor.example/laptop", body, timestamp=1_700_000_000)
    name, _, b64 = line.removeprefix("\u2014 ").partition(" ")
    blob = base64.b64decode(b64)
    pub = public_bytes(key.public_key())
    assert name == "auditor.example/laptop"
    assert blob[:4] == hashlib.sha256(name.encode() + b"\n\x04" + pub).digest()[:4]
    assert int.from_bytes(blob[4:12], "big") == 1_700_000_000
    key.public_key().verify(blob[12:], b"cosignature/v1\ntime 1700000000\n" + body.encode())  # raises if not


def test_verify_and_healthz_check_the_witness_folder_by_themselves(attack_site, tmp_path):
    """audit.witness_dir: a cosigned tree head left there is checked without --witness, by verify and
    by the /healthz verifier, so a rewrite re-signed with the device key shows on the device itself."""
    from edge.config import load_config
    from edge.health.monitor import LedgerVerifier

    _tlog(attack_site, tmp_path / "b1.json")
    assert _witness(attack_site, tmp_path / "b1.json", tmp_path)[0] == 0
    kept = tmp_path / "witnessed"
    kept.mkdir()
    (kept / "auditor.txt").write_text((tmp_path / "cosigned.txt").read_text())
    attack_site.config.write_text(attack_site.config.read_text() + f"  witness_dir: {kept}\n")
    code, out, err = atk.cli("audit", "verify", "--config", str(attack_site.config), "--no-record")
    assert code == 0, out + err
    # the tree head left there; the companion's checkpoint counts with the anchors (on this device)
    assert "1 witness copy(ies), 2 anchor(s)" in out
    atk.resign_with_key(attack_site)
    code, out, _ = atk.cli("audit", "verify", "--config", str(attack_site.config), "--no-record", "--json")
    assert code == 4
    assert json.loads(out)["problem"] == "rewritten"
    check = LedgerVerifier(load_config(attack_site.config)).verify()
    assert (check.ok, check.problem) == (False, "rewritten")
