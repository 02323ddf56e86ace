"""Pieces every FractureScope node shares."""
