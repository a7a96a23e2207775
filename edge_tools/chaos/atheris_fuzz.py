"""Coverage-guided fuzzing with atheris (libFuzzer) of the two parsers that take outside input:
the YAML config loader and the MQTT remote-search handler. Run by chaos_lib.run_atheris:

    python -m edge_tools.chaos.atheris_fuzz config|search WORKDIR -runs=N

Exit 0: no crash in N runs; 3: atheris is not installed; anything else: libFuzzer found a crash
(it prints the input). A crash is any exception other than the clear refusal the interface promises.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

try:
    import atheris
except ImportError:
    print("atheris is not installed (pip install atheris)", file=sys.stderr)
    sys.exit(3)

HERE = Path(__file__).resolve().parent

with atheris.instrument_imports(include=["edge", "yaml"]):
    from edge.audit.ledger import open_ledger
    from edge.config import ConfigError, load_config, parse_config
    from edge.share.remote import make_search_handler


def config_target(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    try:
        parse_config(text, "fuzz.yaml")
    except ConfigError as exc:
        if not all(m.startswith("fuzz.yaml") for m in exc.messages):
            raise AssertionError(f"config error without the file name: {exc.messages!r}") from None


def search_target(workdir: Path) -> Any:
    from edge_tools.chaos.chaos_lib import site_config
    from edge_tools.harness.mosquitto import Pki

    cfg_path = workdir / "site" / "site.yaml"
    if not cfg_path.exists():
        site_config(workdir / "site", None, Pki(workdir / "pki"), search=True, broker_url="mqtts://127.0.0.1:1")
    cfg = load_config(cfg_path)
    handler = make_search_handler(cfg, lambda: open_ledger(cfg))
    grant = cfg.sharing.peers[0]

    keys = ["request_id", "purpose", "case", "reason", "requester", "on_behalf_of", "user", "plate", "pattern"]
    keys += ["since", "until", "camera", "limit"]
    valid = {
        "request_id": "r-1", "purpose": "stolen-vehicle", "case": "2026-00123", "requester": "SPRINGFIELD-PD",
        "reason": "Vehicle reported stolen from the Elm St lot", "user": "officer1", "plate": "ZZ00001",
    }  # fmt: skip

    def value(fdp: Any) -> Any:
        kind = fdp.ConsumeIntInRange(0, 6)
        if kind == 0:
            return fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 40))
        if kind == 1:
            return fdp.ConsumeInt(8)
        if kind == 2:
            return fdp.ConsumeRegularFloat() if fdp.ConsumeBool() else fdp.ConsumeFloat()
        if kind == 3:
            return fdp.ConsumeBool()
        if kind == 4:
            return None
        if kind == 5:
            return [fdp.ConsumeUnicodeNoSurrogates(8)]
        return {fdp.ConsumeUnicodeNoSurrogates(4): fdp.ConsumeInt(2)}

    def target(data: bytes) -> None:
        fdp = atheris.FuzzedDataProvider(data)
        request: dict[str, Any] = dict(valid) if fdp.ConsumeBool() else {}
        for _ in range(fdp.ConsumeIntInRange(0, 4)):
            key = keys[fdp.ConsumeIntInRange(0, len(keys) - 1)]
            if fdp.ConsumeBool():
                request.pop(key, None)
            else:
                request[key] = value(fdp)
        reply = handler(grant, request)
        if reply.get("status") not in ("ok", "denied", "error"):
            raise AssertionError(f"reply status {reply.get('status')!r}")
        json.dumps(reply)

    return target


def main() -> None:
    which, workdir, *rest = sys.argv[1:]
    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / f"corpus-{which}"
    corpus.mkdir(exist_ok=True)
    if which == "config":
        (corpus / "example.yaml").write_bytes((HERE.parents[1] / "config" / "example.yaml").read_bytes())
    target = config_target if which == "config" else search_target(work / which)
    atheris.Setup([sys.argv[0], *rest, str(corpus)], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
