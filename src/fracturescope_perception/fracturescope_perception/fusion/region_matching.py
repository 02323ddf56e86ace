"""Reported defect regions matched against labelled truth regions (benchmarks, the main job, regression tests).

A truth region is found when a reported region covers at least MIN_COVER of it; a reported region is right when it
covers some truth region that much or lies mostly (MIN_INSIDE) inside one. Truth regions of kinds the model never
learnt (`unseen`) count as defects: a frame that shows one must be reported, and 'anomaly' is the right label.
"""

from __future__ import annotations

from collections.abc import Collection

MIN_COVER = 0.3
MIN_INSIDE = 0.5
Box = tuple[int, int, int, int]


def cover(a: Box, b: Box) -> float:
    """Share of box b (x0, y0, x1, y1) covered by box a."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    area = (b[2] - b[0]) * (b[3] - b[1])
    return max(0, w) * max(0, h) / area if area > 0 else 0.0


def score_frame(truth: list[tuple[str, Box]], reported: list[tuple[str, Box]],
                unseen: Collection[str] = ()) -> dict:
    """Counts for one frame: truth and reported regions, found, right, and label agreement of found ones."""
    found = [any(cover(box, t) >= MIN_COVER for _, box in reported) for _, t in truth]
    right = [any(cover(box, t) >= MIN_COVER or cover(t, box) >= MIN_INSIDE for _, t in truth)
             for _, box in reported]
    labelled = [label == kind or (kind in unseen and label == 'anomaly')
                for kind, t in truth for label, box in reported if cover(box, t) >= MIN_COVER]
    return {'defective': bool(truth), 'reported': bool(reported), 'truth_regions': len(truth),
            'found': sum(found), 'reported_regions': len(reported), 'right': sum(right),
            'label_matches': sum(labelled), 'label_checks': len(labelled)}


def _share(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else float('nan')


def summarise(rows: list[dict]) -> dict:
    """Frame recall, false frames, region recall / precision, label accuracy over score_frame rows."""
    defective = [r for r in rows if r['defective']]
    clean = [r for r in rows if not r['defective']]
    return {
        'frames': len(rows), 'defective_frames': len(defective), 'clean_frames': len(clean),
        'frame_recall': _share(sum(r['reported'] for r in defective), len(defective)),
        'false_frames': _share(sum(r['reported'] for r in clean), len(clean)),
        'region_recall': _share(sum(r['found'] for r in rows), sum(r['truth_regions'] for r in rows)),
        'region_precision': _share(sum(r['right'] for r in rows), sum(r['reported_regions'] for r in rows)),
        'region_label_accuracy': _share(sum(r['label_matches'] for r in rows), sum(r['label_checks'] for r in rows)),
    }
