"""The annotated view for RViz / Foxglove: the RGB frame with its defect regions boxed, beside its thermal contrast
(false colour), the frame's verdict in a banner coloured by severity. numpy + OpenCV only."""

from __future__ import annotations

import cv2
import numpy as np

from fracturescope_perception.fusion.classifier import Detection

# banner colours (RGB): clean concrete, a known defect, something the model has never seen
_COLOURS = {'none': (40, 140, 60), 'anomaly': (200, 40, 200)}
_DEFECT_COLOUR = (210, 60, 30)
THERMAL_SPAN_K = 6.0   # the false-colour scale spans +-3 K around the frame's median


def annotate(rgb: np.ndarray, thermal_c: np.ndarray, result: Detection, side_px: int) -> np.ndarray:
    """(side + banner) x (2 side) x 3 uint8 RGB: [RGB with the regions | thermal], then the verdict, its
    confidence, the anomaly score and the number of regions."""
    left = cv2.resize(rgb, (side_px, side_px), interpolation=cv2.INTER_AREA)
    sx, sy = side_px / rgb.shape[1], side_px / rgb.shape[0]
    x0, y0, x1, y1 = result.seen_box
    cv2.rectangle(left, (int(x0 * sx), int(y0 * sy)), (int(x1 * sx) - 1, int(y1 * sy) - 1), (255, 255, 255), 1)
    for region in result.regions:
        x0, y0, x1, y1 = region.box
        colour = _COLOURS.get(region.label, _DEFECT_COLOUR)
        cv2.rectangle(left, (int(x0 * sx), int(y0 * sy)), (int(x1 * sx) - 1, int(y1 * sy) - 1), colour, 2)
        cv2.putText(left, region.label, (int(x0 * sx) + 3, int(y0 * sy) + 12), cv2.FONT_HERSHEY_SIMPLEX, 0.4,
                    colour, 1, cv2.LINE_AA)
    contrast = np.asarray(thermal_c, np.float32) - np.float32(np.median(thermal_c))
    scaled = np.clip((contrast / THERMAL_SPAN_K + 0.5) * 255.0, 0, 255).astype(np.uint8)
    right = cv2.cvtColor(cv2.applyColorMap(cv2.resize(scaled, (side_px, side_px), interpolation=cv2.INTER_LINEAR),
                                           cv2.COLORMAP_INFERNO), cv2.COLOR_BGR2RGB)
    banner_px = max(18, side_px // 8)
    banner = np.empty((banner_px, 2 * side_px, 3), np.uint8)
    banner[:] = _COLOURS.get(result.label, _DEFECT_COLOUR)
    text = f'{result.label} {result.confidence:.2f}  anomaly {result.anomaly_score:.2f}  regions {len(result.regions)}'
    scale = banner_px / 40.0
    cv2.putText(banner, text, (4, int(banner_px * 0.72)), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255),
                max(1, int(round(scale * 2))), cv2.LINE_AA)
    return np.ascontiguousarray(np.vstack([np.hstack([left, right]), banner]))
