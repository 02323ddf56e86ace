"""Independently designed synthesizers of concrete surfaces seen by an RGB + thermal camera pair.

Each family is its own code with its own texture, defect and thermal models (see each module's docstring); they share
only the contract in `frame.py`. Training uses some families and evaluation another, so a figure measured on a
family never trained on is evidence that the model learnt defects, not the look of one generator.
"""

from __future__ import annotations

from collections.abc import Callable
import importlib

from fracturescope_sim.surfaces.frame import FrameSpec, SyntheticFrame

# family name -> module; 'weathered' is held out: final evaluation only, never trained on
FAMILIES = {
    'spectral': 'fracturescope_sim.surfaces.spectral_surface',
    'aggregate': 'fracturescope_sim.surfaces.aggregate_surface',
    'fourier': 'fracturescope_sim.surfaces.fourier_surface',
    'weathered': 'fracturescope_sim.surfaces.weathered_surface',
}
HELD_OUT = 'weathered'


def renderer(family: str) -> Callable[[int, FrameSpec], SyntheticFrame]:
    """The `render(seed, spec)` function of a family."""
    if family not in FAMILIES:
        raise ValueError(f'unknown surface family {family!r}; known: {", ".join(FAMILIES)}')
    return importlib.import_module(FAMILIES[family]).render
