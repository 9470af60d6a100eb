"""The recipe of the shipped default checkpoint: its training pool, synthetic motions, evaluation protocol,
ablations and shipping (model card). The reusable library (model, objectives, scoring, training, text, data
readers) lives in the rest of `fdsm`, which reaches this package only through the `fdsm-eval --protocol default` and
`fdsm-prepare synth` entry points."""
