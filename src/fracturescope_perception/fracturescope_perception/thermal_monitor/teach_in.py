"""The thermal monitor node's learn service, without ROS: collect the next frames, then learn the installation from
them with proposed states and write its card (fracturescope-thermal-teach does the same from a recording, with
states the user confirms)."""

from __future__ import annotations

from pathlib import Path
import re

import numpy as np

from fracturescope_perception.thermal_monitor.installation_model import InstallationModel

MIN_FRAMES = 30
NEW_STRETCH_S = 86400.0     # a stretch of frames after time went back starts this long after the last frame (s)
INSTALLATION_ID = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$')


class TeachIn:
    def __init__(self, installation_id: str, frames: int, directory: Path) -> None:
        if not INSTALLATION_ID.match(installation_id):
            raise ValueError(f'installation id {installation_id!r}: letters, digits, - and _, at most 64')
        if frames < MIN_FRAMES:
            raise ValueError(f'{frames} frames: at least {MIN_FRAMES} are needed')
        self.installation_id, self.wanted, self.directory = installation_id, frames, Path(directory)
        self._frames: list[np.ndarray] = []
        self._times: list[float] = []
        self._offset_s = 0.0

    @property
    def collected(self) -> int:
        return len(self._frames)

    def add(self, frame_c: np.ndarray, stamp_s: float) -> bool:
        """Take one frame and its time (s); True once there are enough to learn. Time going back (a bag played
        again in a loop) starts a new stretch, placed a day after the last frame: no heat change is learnt across."""
        if self._frames and frame_c.shape != self._frames[0].shape:
            raise ValueError(f'frame {frame_c.shape} differs from the first {self._frames[0].shape}')
        if self._times and stamp_s + self._offset_s < self._times[-1]:     # equal stamps are no replay
            self._offset_s = self._times[-1] + NEW_STRETCH_S - stamp_s
        self._frames.append(np.array(frame_c, np.float32))
        self._times.append(stamp_s + self._offset_s)
        return len(self._frames) >= self.wanted

    def learn(self) -> tuple[InstallationModel, Path]:
        """The installation learnt with proposed states, and its card's path (written)."""
        times = np.array(self._times) - self._times[0]
        model = InstallationModel.learn(np.stack(self._frames), None, self.installation_id, times_s=times)
        return model, model.save(self.directory)
