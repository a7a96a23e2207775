"""Tests of the models area (a package, so test modules of the same name in two folders do not collide)."""
