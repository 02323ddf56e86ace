"""Bring-up of the FractureScope graph from the standard launch files."""
