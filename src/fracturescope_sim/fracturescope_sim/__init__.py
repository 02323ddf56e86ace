"""Simulated sources for the FractureScope graph."""
