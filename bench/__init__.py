"""Benchmarks of Kehu at scale. Each script documents its command; results go to bench/results/."""
