"""app: the fdsm-live desktop window, the headless replay and the benchmarks (imports pose and fdsm)."""
