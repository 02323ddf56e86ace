"""Independently designed synthesizers of concrete surfaces seen by an RGB + thermal camera pair.

Each family is its own code with its own texture, defect and thermal models (see each module's docstring); they share
only the contract in `frame.py`. Training uses some families and evaluation another, so a figure measured on a
family never trained on is evidence that the model learnt defects, not the look of one generator.
"""
