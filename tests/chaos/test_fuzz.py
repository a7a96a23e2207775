"""(5) Malformed configs and MQTT search payloads, fuzzed with hypothesis: no crash, clear errors.
Short form: a few hundred examples each (scripts/chaos.sh runs thousands, and atheris when installed)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from edge_tools.chaos.chaos_lib import FuzzFigures, fuzz, run_atheris, site_config, size
from edge_tools.harness.grants import signed

pytestmark = pytest.mark.chaos


def test_fuzzed_configs_and_search_payloads_never_crash(tmp_path: Path) -> None:
    fig = fuzz(tmp_path, size("CHAOS_CONFIG_EXAMPLES", 250), size("CHAOS_SEARCH_EXAMPLES", 250))
    assert fig.crashes == []
    assert fig.problems == []
    assert fig.config_examples == size("CHAOS_CONFIG_EXAMPLES", 250)
    assert fig.config_refused > 0  # the fuzz does reach the error paths...
    assert fig.config_valid > 0  # ...and the valid ones
    assert fig.config_unclear == 0  # every refusal names the file (and the line when it has one)
    assert {"ok", "denied"} <= set(fig.search_replies) <= {"ok", "denied", "error"}  # malformed: denied, recorded
    assert sum(fig.search_replies.values()) == fig.search_examples
    assert fig.raw_replies == fig.raw_payloads > 0


@pytest.mark.parametrize("limit", [float("inf"), float("-inf"), float("nan"), [1], -5])
def test_search_request_with_an_impossible_limit_is_answered_not_raised(tmp_path: Path, limit: object) -> None:
    """A peer's JSON may carry 1e999 (json.loads gives inf): the handler must answer, and record the refusal."""
    from edge.audit.ledger import open_ledger
    from edge.config import load_config
    from edge.share.remote import make_search_handler
    from edge_tools.harness.mosquitto import Pki

    cfg = load_config(site_config(tmp_path, None, Pki(tmp_path / "pki"), search=True, broker_url="mqtts://127.0.0.1:1"))
    handler = make_search_handler(cfg, lambda: open_ledger(cfg))
    request = {
        "request_id": "r-1", "purpose": "stolen-vehicle", "case": "2026-00123", "requester": "SPRINGFIELD-PD",
        "reason": "Vehicle reported stolen from the Elm St lot", "user": "officer1", "plate": "ZZ00001", "limit": limit,
    }  # fmt: skip
    reply = handler(cfg.sharing.peers[0], signed(request))
    assert (reply["status"], reply["rule"]) == ("denied", "input"), reply
    assert reply["request_id"] == "r-1"
    assert reply["ledger_seq"] is not None


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris is not installed (optional)")
def test_atheris_short_run(tmp_path: Path) -> None:
    fig = FuzzFigures()
    run_atheris(tmp_path, 100, fig)
    assert fig.crashes == []
    assert fig.atheris_runs == {"config": 100, "search": 100}


@pytest.mark.parametrize(
    "text",
    [
        "retention:\n  non_hit: 99999999999999999999\n",
        "cameras:\n- name: a\n  source: x.mp4\n  read_timeout: 99999999999999999s\n",
        "health:\n  stale_after: .inf\n",
        "health:\n  stale_after: .nan\n",
    ],
)
def test_an_absurd_duration_is_a_config_error_naming_file_and_line(tmp_path: Path, text: str) -> None:
    """Found by the config fuzz: timedelta's OverflowError escaped pydantic as a crash."""
    from edge.config import ConfigError, load_config

    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert all(m.startswith(f"{path}:") for m in err.value.messages), err.value.messages
