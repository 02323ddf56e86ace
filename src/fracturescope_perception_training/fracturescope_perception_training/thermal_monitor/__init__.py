"""thermal_monitor models: training and evaluation (offline, torch)."""
