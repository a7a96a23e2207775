"""`python -m edge` is the `edge-alpr` command."""

from edge.cli import run

run()
