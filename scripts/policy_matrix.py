"""Confusion matrix of prohibited-use matching over the phrasing tables in tests/policy/.

Usage:  python scripts/policy_matrix.py [--json] [--show-errors]
Example: python scripts/policy_matrix.py --show-errors

Reads tests/policy/phrasings_prohibited.txt (each line must be refused) and
tests/policy/phrasings_legitimate.txt (each line must be allowed), and the held-out tables
tests/policy/phrasings_heldout.txt, phrasings_heldout2.txt and phrasings_heldout3.txt (each written
after the tuning before it; their headers say what was tuned on them since), runs each through
``edge.policy.text.find_term`` with the project baseline's terms (the check every search field,
grant, hotlist and agency name goes through) and prints the matrix, the rates and the time per text.
The same numbers are in docs/SECURITY.md ("Prohibited-use matching"); tests/policy/test_phrasings.py
holds them to >= 99 % refused and <= 1 % falsely refused.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from edge.policy.terms import CATEGORY_TERMS, termsets
from edge.policy.text import find_term

TABLES = Path(__file__).resolve().parent.parent / "tests" / "policy"


def phrasings(name: str) -> list[str]:
    path = TABLES / name
    return [ln.strip() for ln in path.read_text("utf-8").splitlines() if ln.strip() and not ln.startswith("#")]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true", help="print the matrix as JSON")
    ap.add_argument("--show-errors", action="store_true", help="list every misclassified phrasing")
    args = ap.parse_args(argv)
    sets = termsets(tuple(CATEGORY_TERMS))
    bad, good = phrasings("phrasings_prohibited.txt"), phrasings("phrasings_legitimate.txt")
    t0 = time.perf_counter()
    missed = [t for t in bad if find_term(t, sets) is None]
    false = [(t, m.describe()) for t in good if (m := find_term(t, sets)) is not None]
    per_text_ms = (time.perf_counter() - t0) * 1000 / (len(bad) + len(good))
    held_out = {name: _held_out(name, sets) for name in HELD_OUT}
    doc = {
        "prohibited": {"total": len(bad), "refused": len(bad) - len(missed), "allowed": len(missed)},
        "legitimate": {"total": len(good), "refused": len(false), "allowed": len(good) - len(false)},
        "refused_rate_prohibited": round((len(bad) - len(missed)) / len(bad), 4),
        "refused_rate_legitimate": round(len(false) / len(good), 4),
        "ms_per_text": round(per_text_ms, 2),
        "missed": missed,
        "false_refusals": [f"{t} -> {why}" for t, why in false],
        "held_out": held_out,
    }
    if args.json:
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return 0
    p, g = doc["prohibited"], doc["legitimate"]
    print(f"{'':24}{'refused':>10}{'allowed':>10}{'total':>8}")
    print(f"{'prohibited phrasings':24}{p['refused']:>10}{p['allowed']:>10}{p['total']:>8}")
    print(f"{'legitimate phrasings':24}{g['refused']:>10}{g['allowed']:>10}{g['total']:>8}")
    print(f"prohibited refused: {doc['refused_rate_prohibited']:.2%}   legitimate refused: "
          f"{doc['refused_rate_legitimate']:.2%}   {doc['ms_per_text']} ms per text")  # fmt: skip
    for name, h in held_out.items():
        print(f"{name}: prohibited refused {h['prohibited']['refused']}/{h['prohibited']['total']}, "
              f"legitimate refused {h['legitimate']['refused']}/{h['legitimate']['total']}")  # fmt: skip
    if args.show_errors:
        for t in [*missed, *(t for h in held_out.values() for t in h["missed"])]:
            print(f"MISSED  {t}")
        for line in [*doc["false_refusals"], *(x for h in held_out.values() for x in h["false_refusals"])]:
            print(f"FALSE   {line}")
    return 0


HELD_OUT = ("phrasings_heldout.txt", "phrasings_heldout2.txt", "phrasings_heldout3.txt")


def _held_out(name: str, sets: tuple) -> dict:
    held = [ln.split(": ", 1) for ln in phrasings(name)]
    missed = [t for k, t in held if k == "refuse" and find_term(t, sets) is None]
    false = [f"{t} -> {m.describe()}" for k, t in held if k == "allow" and (m := find_term(t, sets)) is not None]
    n_ref, n_all = sum(k == "refuse" for k, _ in held), sum(k == "allow" for k, _ in held)
    return {
        "prohibited": {"total": n_ref, "refused": n_ref - len(missed), "allowed": len(missed)},
        "legitimate": {"total": n_all, "refused": len(false), "allowed": n_all - len(false)},
        "missed": missed,
        "false_refusals": false,
    }


if __name__ == "__main__":
    sys.exit(main())
