"""Offline tools for the perception models: synthesized data sets, training, evaluation, compression, model builds."""
