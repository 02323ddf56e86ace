"""Frame caching (paper IV.C.4): skip detection for an mROI that looks like one already measured.

An LRU pool (default 80 entries, paper Fig. 18b) of (mROI image, result) per window position. A lookup is a hit
when the entropy of the difference to a cached image (eq. 1, 16 levels) is below the skip threshold (0.03, paper
Fig. 18a). A hit can be verified by running detection anyway (every `verify_every`-th hit): a result further than
the tolerance from the cached one counts as a false positive, the paper's second cache metric.
"""

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np

from fracturescope_perception.edge_eye.entropy import difference_entropy


@dataclass
class CacheStats:
    lookups: int = 0
    hits: int = 0
    verified_hits: int = 0
    false_positives: int = 0

    @property
    def hit_rate(self) -> float:
        return self.hits / self.lookups if self.lookups else 0.0

    @property
    def false_positive_rate(self) -> float:
        return self.false_positives / self.verified_hits if self.verified_hits else 0.0


@dataclass
class FrameCache:
    pool_size: int = 80
    skip_threshold: float = 0.03
    verify_every: int = 0             # 0: never verify
    stats: CacheStats = field(default_factory=CacheStats)

    def __post_init__(self) -> None:
        self._entries: OrderedDict[int, tuple[Hashable, np.ndarray, float]] = OrderedDict()
        self._next_id = 0

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, key: Hashable, image: np.ndarray) -> float | None:
        """The cached result for an image like `image` at window `key` (most recently used first), or None."""
        self.stats.lookups += 1
        for entry_id in reversed(self._entries):
            entry_key, cached, result = self._entries[entry_id]
            if entry_key == key and cached.shape == image.shape and \
                    difference_entropy(cached, image) < self.skip_threshold:
                self._entries.move_to_end(entry_id)
                self.stats.hits += 1
                return result
        return None

    def should_verify(self) -> bool:
        return self.verify_every > 0 and self.stats.hits % self.verify_every == 0

    def verified(self, cached: float, fresh: float, tolerance: float) -> None:
        self.stats.verified_hits += 1
        if abs(cached - fresh) > tolerance:
            self.stats.false_positives += 1

    def store(self, key: Hashable, image: np.ndarray, result: float) -> None:
        """Remember a measured result; the least recently used entry makes room."""
        self._entries[self._next_id] = (key, image.copy(), result)
        self._next_id += 1
        while len(self._entries) > self.pool_size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
