"""The thermal monitor's view for RViz / Foxglove: the frame in false colour, enlarged, each hot spot boxed with its
excess over normal, and a banner with the state. numpy + OpenCV only."""

from __future__ import annotations

import cv2
import numpy as np

from fracturescope_perception.thermal_monitor.monitor import Assessment

_BANNER = {True: (200, 40, 40), False: (40, 120, 60)}   # RGB: alert, normal


def annotate(frame_c: np.ndarray, result: Assessment, scale: int = 10) -> np.ndarray:
    """(H scale + banner) x (W scale) x 3 uint8 RGB."""
    frame = np.asarray(frame_c, np.float32)
    low, high = float(frame.min()), float(frame.max())
    scaled = ((frame - low) / max(high - low, 1e-3) * 255.0).astype(np.uint8)
    height, width = frame.shape[0] * scale, frame.shape[1] * scale
    image = cv2.cvtColor(cv2.applyColorMap(cv2.resize(scaled, (width, height), interpolation=cv2.INTER_NEAREST),
                                           cv2.COLORMAP_INFERNO), cv2.COLOR_BGR2RGB)
    for spot in result.hot_spots:
        x0, y0, x1, y1 = (v * scale for v in spot.box)
        cv2.rectangle(image, (x0, y0), (x1 - 1, y1 - 1), (0, 255, 255), 2)
        cv2.putText(image, f'+{spot.excess_k:.1f} K', (x0 + 2, max(y0 - 4, 12)), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    (0, 255, 255), 1, cv2.LINE_AA)
    banner = np.empty((24, width, 3), np.uint8)
    banner[:] = _BANNER[result.alert]
    text = f'{result.label}  anomaly {result.anomaly_probability:.2f}  {low:.1f}..{high:.1f} C'
    cv2.putText(banner, text, (4, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return np.ascontiguousarray(np.vstack([image, banner]))
