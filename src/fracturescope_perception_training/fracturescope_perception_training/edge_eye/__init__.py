"""edge_eye models: training and evaluation (offline, torch)."""
