"""Shipped assets: default checkpoint and model card, prompt banks, tokenizer, pose model, demo clip."""
