"""Training tiles from synthesized frames, cut by the detector's own code (frame_tiles), labelled from the frames'
label maps.

Each frame is rendered by a surface family (fracturescope_sim.surfaces) at a random scale, thermal resolution,
ambient and misregistration, with zero or one defect and clean-surface distractors; the detector's FrameTiler
registers, removes the thermal background and cuts it into overlapping tiles exactly as on the robot. A tile takes
the kind that covers enough of it; a tile that a defect only grazes is left out (neither clean nor a defect).

Every frame is a pure function of (base seed, family, group, index): the bytes do not depend on the worker count.
"""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
from multiprocessing import get_context
from pathlib import Path

from fracturescope_perception.fusion.frame_tiles import FrameTiler, ThermalBackground, Tiling
from fracturescope_sim.surfaces import renderer
from fracturescope_sim.surfaces.frame import CLASSES, KINDS, UNSEEN_TYPES, FrameSpec
import numpy as np
from tqdm import tqdm

GROUPS = ('train', 'val', 'test', 'ood')
KNOWN_DEFECTS = tuple(c for c in CLASSES if c != 'none')


@dataclass(frozen=True)
class TileSetConfig:
    size: int = 64                            # network input side [px]
    tile_px: int = 96                         # tile side in rendered RGB pixels [px]
    frame_px: int = 192                       # rendered frame side [px]
    mm_per_px: tuple[float, float] = (0.25, 1.0)        # surface scale, log-uniform (4x) [mm / px]
    rgb_px_per_thermal_px: tuple[float, float] = (1.5, 8.0)  # thermal sensor resolution, log-uniform [ratio]
    none_frame_share: float = 0.3             # frames without a defect [0..1]
    distractor_rate: float = 1.2              # mean clean-surface distractors per frame [count]
    min_defect_share: float = 0.04            # a defect tile: its kind covers this share of the tile [0..1] ...
    min_crack_lengths: float = 1.5            # ... a crack this many tile sides of 1 px wide label [ratio]
    tiles_per_frame: int = 3                  # tiles kept per frame (defect tiles first) [count]
    background_method: str = 'local_median'   # thermal background removed: local_median, or frame_median (none) [name]
    background_cell_px: int = 4               # thermal background cells on the network grid [px]
    background_window_cells: int = 15         # thermal background window [cells]

    def tiler(self) -> FrameTiler:
        return FrameTiler(self.size, self.background(), Tiling(self.tile_px, overlap=0.5, min_tile_seen=0.9))

    def background(self) -> ThermalBackground:
        return ThermalBackground(self.background_method, self.background_cell_px, self.background_window_cells)


@dataclass
class TileSet:
    rgb: np.ndarray            # N x S x S x 3 uint8
    contrast_k: np.ndarray     # N x S x S float16, thermal over its background [K]
    kinds: np.ndarray          # N str: a class, or an unseen type (group 'ood')
    families: np.ndarray       # N str
    variants: np.ndarray       # N str: the defect's form ('' for clean tiles)
    frames: np.ndarray         # N int: frame index within (family, group)

    def labels(self, classes: tuple[str, ...] = CLASSES) -> np.ndarray:
        return np.array([classes.index(k) if k in classes else -1 for k in self.kinds], np.int64)

    def subset(self, mask: np.ndarray) -> TileSet:
        return TileSet(*(getattr(self, f)[mask] for f in self.__dataclass_fields__))

    def save(self, path: Path) -> None:
        np.savez(path, **{f: getattr(self, f) for f in self.__dataclass_fields__})

    @staticmethod
    def load(path: Path) -> TileSet:
        with np.load(path) as data:
            return TileSet(**{f: data[f] for f in TileSet.__dataclass_fields__})

    @staticmethod
    def concatenate(sets: list[TileSet]) -> TileSet:
        return TileSet(*(np.concatenate([getattr(s, f) for s in sets]) for f in TileSet.__dataclass_fields__))

    def sha256(self) -> str:
        digest = hashlib.sha256()
        for f in self.__dataclass_fields__:
            digest.update(np.ascontiguousarray(getattr(self, f)).tobytes())
        return digest.hexdigest()


def frame_seed(base_seed: int, family: str, group: str, index: int) -> int:
    family_code = int.from_bytes(hashlib.sha256(family.encode()).digest()[:4], 'little')
    return int(np.random.SeedSequence([base_seed, family_code, GROUPS.index(group), index]).generate_state(1)[0])


def frame_spec(rng: np.random.Generator, config: TileSetConfig, group: str) -> FrameSpec:
    """The random camera, scale and content of one frame."""
    side = config.frame_px
    ratio = float(np.exp(rng.uniform(*np.log(config.rgb_px_per_thermal_px))))
    thermal = max(24, round(side / ratio))
    if group == 'ood':
        defects: tuple[str, ...] = (str(rng.choice(UNSEEN_TYPES)),)
    elif rng.random() < config.none_frame_share:
        defects = ()
    else:
        defects = (str(rng.choice(KNOWN_DEFECTS)),)
    return FrameSpec(width=side, height=side, thermal_width=thermal, thermal_height=thermal, defects=defects,
                     mm_per_px=float(np.exp(rng.uniform(*np.log(config.mm_per_px)))),
                     distractor_rate=config.distractor_rate, max_misregistration_px=min(2.0, 0.02 * thermal))


def tile_kind(counts: np.ndarray, area: int, config: TileSetConfig) -> str | None:
    """The kind of a tile from its label-map pixel counts per KINDS index; None when a defect only grazes it (a
    corner of a stain, the end of a crack): such a tile is neither clean nor a defect to learn from."""
    if counts[1:].sum() == 0:
        return 'none'
    best = int(counts[1:].argmax()) + 1
    # a crack is thin: its label (at least 3 px wide) must run about half a tile side or more
    needed = config.min_crack_lengths * np.sqrt(area) if KINDS[best] == 'crack' else config.min_defect_share * area
    return KINDS[best] if counts[best] >= needed else None


Task = tuple[str, str, int, int, TileSetConfig]


def render_tiles(task: Task) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """(rgb tiles, contrast tiles, kinds, variants) kept from one frame."""
    family, group, index, base_seed, config = task
    seed = frame_seed(base_seed, family, group, index)
    rng = np.random.default_rng(seed)
    frame = renderer(family)(seed, frame_spec(rng, config, group))
    batch = config.tiler().tiles(frame.rgb, frame.thermal_c)
    variant = frame.regions[0].variant if frame.regions else ''
    labelled = []
    for i, (x0, y0, x1, y1) in enumerate(batch.boxes):
        counts = np.bincount(frame.label_map[y0:y1, x0:x1].ravel(), minlength=len(KINDS))
        kind = tile_kind(counts, (x1 - x0) * (y1 - y0), config)
        if kind is not None:
            labelled.append((i, kind))
    defects = [t for t in labelled if t[1] != 'none']
    clean = [t for t in labelled if t[1] == 'none']
    rng.shuffle(defects)
    rng.shuffle(clean)
    keep = (defects + clean)[:config.tiles_per_frame] if group != 'ood' else defects[:config.tiles_per_frame]
    if not keep:
        return np.zeros((0, config.size, config.size, 3), np.uint8), np.zeros((0, config.size, config.size),
                                                                             np.float16), [], []
    index_array = np.array([i for i, _ in keep])
    return (batch.rgb[index_array], batch.thermal_contrast_k[index_array].astype(np.float16),
            [k for _, k in keep], [variant if k != 'none' else '' for _, k in keep])


def build_tile_set(families: list[str], group: str, frames_per_family: int, base_seed: int, config: TileSetConfig,
                   workers: int = 2, progress: bool = True) -> TileSet:
    tasks = [(family, group, i, base_seed, config) for family in families for i in range(frames_per_family)]
    bar = tqdm(total=len(tasks), desc=f'{group} tiles ({", ".join(families)})', unit='frame', disable=not progress)
    if workers <= 1:
        results = []
        for task in tasks:
            results.append(render_tiles(task))
            bar.update()
    else:
        with get_context('spawn').Pool(workers) as pool:
            results = []
            for result in pool.imap(render_tiles, tasks, chunksize=8):
                results.append(result)
                bar.update()
    bar.close()
    rgb = np.concatenate([r[0] for r in results])
    contrast = np.concatenate([r[1] for r in results])
    kinds = [k for r in results for k in r[2]]
    variants = [v for r in results for v in r[3]]
    owners = [(task[0], task[2]) for task, r in zip(tasks, results, strict=True) for _ in r[2]]
    return TileSet(rgb, contrast, np.array(kinds), np.array([f for f, _ in owners]), np.array(variants),
                   np.array([i for _, i in owners], np.int64))
