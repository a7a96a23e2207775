"""Tests of the capture area (a package, so test modules of the same name in two folders do not collide)."""
