"""fusion models: training and evaluation (offline, torch)."""
