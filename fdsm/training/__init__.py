"""Training and evaluation machinery behind fdsm-train and fdsm-eval (stages, loop, metrics, reports)."""
