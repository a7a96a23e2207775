"""Tests of the deploy area (a package, so test modules of the same name in two folders do not collide)."""
