"""The chaos scenarios: short form in tests/chaos (pytest), long form in scripts/chaos.py."""
