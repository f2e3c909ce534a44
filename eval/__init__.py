"""Evaluation suite of ai-cities-chat: the case dataset, deterministic metrics and a naive baseline."""
