"""Real services and recorded attacks shared by the tests, the benchmarks and the chaos suite."""
