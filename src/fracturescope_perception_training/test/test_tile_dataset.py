"""Training tiles cut from synthesized frames by the detector's own tiler, labelled from the label maps."""

from fracturescope_perception_training.fusion.tile_dataset import (
    TileSet,
    TileSetConfig,
    build_tile_set,
    frame_seed,
    tile_kind,
)
from fracturescope_sim.surfaces.frame import KINDS, UNSEEN_TYPES
import numpy as np

CONFIG = TileSetConfig()


def _counts(**pixels):
    counts = np.zeros(len(KINDS), np.int64)
    for kind, n in pixels.items():
        counts[KINDS.index(kind)] = n
    return counts


def test_a_tile_takes_the_kind_that_covers_enough_of_it():
    area = 96 * 96
    assert tile_kind(_counts(none=area), area, CONFIG) == 'none'
    assert tile_kind(_counts(none=area - 300, crack=300), area, CONFIG) == 'crack'     # 3 px wide across 100 px
    assert tile_kind(_counts(none=area - 60, crack=60), area, CONFIG) is None          # its tip only: left out
    assert tile_kind(_counts(leak=500, crack=200), area, CONFIG) == 'leak'
    assert tile_kind(_counts(leak=200), area, CONFIG) is None                          # a corner of a stain


def test_tile_sets_are_seeded_labelled_and_independent_of_the_worker_count(tmp_path):
    assert frame_seed(1, 'aggregate', 'train', 3) == frame_seed(1, 'aggregate', 'train', 3)
    assert frame_seed(1, 'aggregate', 'train', 3) != frame_seed(1, 'aggregate', 'val', 3)
    one = build_tile_set(['aggregate'], 'train', 12, 5, CONFIG, workers=1, progress=False)
    two = build_tile_set(['aggregate'], 'train', 12, 5, CONFIG, workers=2, progress=False)
    assert one.sha256() == two.sha256()
    assert one.rgb.shape[1:] == (64, 64, 3) and one.contrast_k.shape[1:] == (64, 64)
    assert set(one.kinds) <= {'crack', 'corrosion', 'leak', 'none'} and len(set(one.kinds)) >= 2
    assert (one.labels() >= 0).all() and np.isfinite(one.contrast_k.astype(np.float32)).all()
    one.save(tmp_path / 'tiles.npz')
    assert TileSet.load(tmp_path / 'tiles.npz').sha256() == one.sha256()
    ood = build_tile_set(['aggregate'], 'ood', 6, 5, CONFIG, workers=1, progress=False)
    assert set(ood.kinds) <= set(UNSEEN_TYPES) and (ood.labels() == -1).all()
    both = TileSet.concatenate([one, ood])
    assert len(both.kinds) == len(one.kinds) + len(ood.kinds)
    assert len(both.subset(both.kinds == 'none').kinds) == int(np.sum(one.kinds == 'none'))
