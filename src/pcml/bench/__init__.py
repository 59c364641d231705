"""Cost benchmarks of the suite's models (seconds per training step and per inference batch, peak
memory, parameter counts) and the plain baselines they are compared with."""
