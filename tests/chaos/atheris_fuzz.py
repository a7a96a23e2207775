"""Coverage-guided fuzzing with atheris (libFuzzer) of the two parsers that take outside input:
the YAML config loader and the MQTT remote-search handler. Run by chaos_lib.run_atheris:

    python tests/chaos/atheris_fuzz.py config|search WORKDIR -runs=N

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
sys.path.insert(0, str(HERE))

with atheris.instrument_imports():
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
    from chaos_lib import site_config
    from mosquitto import Pki

    cfg_path = workdir / "site" / "site.yaml"
    if not cfg_path.exists():
        site_config(workdir / "site", None, Pki(workdir / "pki"), search=True, broker_url="mqtts://127.0.0.1:1")
    cfg = load_config(cfg_path)
    handler = make_search_handler(cfg, lambda: open_ledger(cfg))
    grant = cfg.sharing.peers[0]

    def target(data: bytes) -> None:
        try:
            request = json.loads(data)
        except ValueError:
            return  # the publisher answers "not a JSON object" before the handler (covered in chaos_lib)
        if not isinstance(request, dict):
            return
        reply = handler(grant, request)
        if reply.get("status") not in ("ok", "denied", "error"):
            raise AssertionError(f"reply status {reply.get('status')!r}")
        json.dumps(reply)

    return target


def main() -> None:
    which, workdir, *rest = sys.argv[1:]
    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    target = config_target if which == "config" else search_target(work / which)
    atheris.Setup([sys.argv[0], *rest], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
