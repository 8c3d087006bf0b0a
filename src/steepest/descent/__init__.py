"""What every descent driver shares: the divergence detector, stopping rules, the history
recorder, backoff and the one Diagnosis — ``minimize`` and ``nn.fit`` are short compositions of
these parts, and ``stability_map`` runs the same rules on a stack of runs."""
