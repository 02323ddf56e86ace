"""The fixed frames of the robot and the line (config/frames.yaml): where each camera's optical frame sits, as the
static transforms tf2 keeps on `tf_static`, so RViz or Foxglove can draw a camera's markers and images in the
robot's or the line's frame. Plain Python: the node (nodes/static_frames.py) only publishes them.

A frame is {parent, child, xyz_m: [x, y, z], rpy_deg: [roll, pitch, yaw]}: the child's origin in the parent's
frame (m) and its orientation as tf2's setRPY reads it (fixed axes: roll about x, then pitch about y, then yaw about
z). An optical frame (REP-103: x right, y down, z forward) on a body frame looking along its x is rpy -90 0 -90.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
import math
from pathlib import Path
from typing import Any

from builtin_interfaces.msg import Time
from geometry_msgs.msg import TransformStamped
import yaml

from fracturescope_common.diagnostics_contract import NodeContract, count
from fracturescope_common.publishing import PUBLISH_FAILED

FRAMES = count('frames')   # transforms published on tf_static
STATIC_FRAMES = NodeContract('static_frames', values=(FRAMES,), counters=(PUBLISH_FAILED,))


@dataclass(frozen=True)
class StaticFrame:
    parent: str
    child: str
    xyz_m: tuple[float, float, float]
    rpy_deg: tuple[float, float, float]

    @property
    def quaternion(self) -> tuple[float, float, float, float]:
        """(x, y, z, w) of the rotation."""
        return quaternion_from_rpy(*(math.radians(angle) for angle in self.rpy_deg))


def quaternion_from_rpy(roll: float, pitch: float, yaw: float) -> tuple[float, float, float, float]:
    """(x, y, z, w) of Rz(yaw) Ry(pitch) Rx(roll), angles in radians (tf2::Quaternion::setRPY)."""
    cr, sr = math.cos(roll / 2), math.sin(roll / 2)
    cp, sp = math.cos(pitch / 2), math.sin(pitch / 2)
    cy, sy = math.cos(yaw / 2), math.sin(yaw / 2)
    return (sr * cp * cy - cr * sp * sy, cr * sp * cy + sr * cp * sy, cr * cp * sy - sr * sp * cy,
            cr * cp * cy + sr * sp * sy)


def parse_frames(entries: Any) -> list[StaticFrame]:
    """The `frames` list of config/frames.yaml; ValueError naming the entry when one is not a frame, a child has
    two parents, or the frames form a loop."""
    if not isinstance(entries, list) or not entries:
        raise ValueError('frames: a non-empty list of {parent, child, xyz_m, rpy_deg} is needed')
    frames = [_frame(i, entry) for i, entry in enumerate(entries)]
    parents: dict[str, str] = {}
    for i, frame in enumerate(frames):
        if frame.child in parents:
            raise ValueError(f'frames[{i}]: {frame.child} already has the parent {parents[frame.child]} (tf is a tree)')
        parents[frame.child] = frame.parent
    for frame in frames:
        seen, name = {frame.child}, frame.parent
        while name in parents:
            if name in seen:
                raise ValueError(f'frames: {frame.child} is its own ancestor (a loop through {name})')
            seen.add(name)
            name = parents[name]
    return frames


def load_frames(path: str | Path) -> list[StaticFrame]:
    """Frames from a YAML file with a top-level `frames` list."""
    document = yaml.safe_load(Path(path).read_text())
    if not isinstance(document, Mapping):
        raise ValueError(f'{path}: a mapping with a `frames` list is needed')
    try:
        return parse_frames(document.get('frames'))
    except ValueError as error:
        raise ValueError(f'{path}: {error}') from None


def transforms(frames: Iterable[StaticFrame], stamp: Time) -> list[TransformStamped]:
    """One TransformStamped per frame (parent -> child), all with `stamp`."""
    messages = []
    for frame in frames:
        message = TransformStamped()
        message.header.stamp, message.header.frame_id, message.child_frame_id = stamp, frame.parent, frame.child
        t, q = message.transform.translation, message.transform.rotation
        t.x, t.y, t.z = frame.xyz_m
        q.x, q.y, q.z, q.w = frame.quaternion
        messages.append(message)
    return messages


def frame_chain(frame: str, transforms: Iterable[TransformStamped]) -> list[str]:
    """`frame` and its parents up to the root of its tree, as `transforms` (parent -> child) link them: a viewer
    can draw in a frame when the frame it follows is in this chain."""
    parents = {t.child_frame_id: t.header.frame_id for t in transforms}
    chain = [frame]
    while chain[-1] in parents and len(chain) <= len(parents):
        chain.append(parents[chain[-1]])
    return chain


def _frame(index: int, entry: Any) -> StaticFrame:
    where = f'frames[{index}]'
    if not isinstance(entry, Mapping) or set(entry) != {'parent', 'child', 'xyz_m', 'rpy_deg'}:
        raise ValueError(f'{where}: needs exactly parent, child, xyz_m and rpy_deg; got {entry!r}')
    names = entry['parent'], entry['child']
    if not all(isinstance(name, str) and name and not name.startswith('/') and ' ' not in name for name in names):
        raise ValueError(f'{where}: frame names must be non-empty, without "/" in front or spaces; got {names}')
    if names[0] == names[1]:
        raise ValueError(f'{where}: {names[0]} cannot be its own parent')
    return StaticFrame(names[0], names[1], _triple(where, 'xyz_m', entry['xyz_m']),
                       _triple(where, 'rpy_deg', entry['rpy_deg']))


def _triple(where: str, key: str, value: Any) -> tuple[float, float, float]:
    if not isinstance(value, list) or len(value) != 3 or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value):
        raise ValueError(f'{where}.{key}: three finite numbers are needed; got {value!r}')
    return (float(value[0]), float(value[1]), float(value[2]))
