"""Tests of the audit area (a package, so test modules of the same name in two folders do not collide)."""
