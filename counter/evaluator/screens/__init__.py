"""The evaluator's screens: idle, rating, reason, thanks, and the leader's unlock."""
