"""What the control loop asks of a controller (MSNF, PID): one update per control slot, told what was applied."""

from typing import Protocol


class Controller(Protocol):
    name: str

    def reset(self, f_left: float, f_right: float) -> None:
        """Continue from this output with no memory of earlier measurements (bumpless start or return)."""

    def update(self, measured_mm: float, standard_mm: float) -> tuple[float, float]:
        """The roll frequencies (Hz) wanted this slot, given the sheet position and its standard (mm)."""

    def applied(self, f_left: float, f_right: float) -> None:
        """What the output limits let through this slot: the controller's f(t-1) next slot (anti-windup)."""
