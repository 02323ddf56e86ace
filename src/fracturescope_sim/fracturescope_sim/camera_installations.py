"""Line cameras installed differently from the default one: bars at other heights and thicknesses, bars mounted off
level, the camera rolled about its optical axis, another lens and scale. For installing Edge-Eye on a new camera
(fracturescope-edge-eye-install) and measuring what it finds against what was built.
"""

from dataclasses import dataclass
import math

import numpy as np

from fracturescope_sim.furnace_scene import SceneLayout
from fracturescope_sim.lens_distortion import LensModel
from fracturescope_sim.line_camera import LineCameraConfig


@dataclass(frozen=True)
class CameraInstallation:
    """One camera as built, with what its installer knows about the line (sheet-plane mm)."""

    camera: LineCameraConfig

    @property
    def layout(self) -> SceneLayout:
        return self.camera.layout

    @property
    def bar_length_mm(self) -> float:
        """Physical length of each bar (both bars are cut alike)."""
        bx0, bx1 = self.layout.bar_columns
        return (bx1 - bx0) * self.layout.mm_per_px

    def bar_ends_px(self, name: str) -> tuple[float, float]:
        """Sheet-plane columns of a bar's left and right ends on its axis (turned about its centre)."""
        bx0, bx1 = self.layout.bar_columns
        tilt = self.layout.white_bar_tilt_deg if name == 'white' else self.layout.black_bar_tilt_deg
        half = (bx1 - bx0) / 2.0 * math.cos(math.radians(tilt))
        return (bx0 + bx1) / 2.0 - half, (bx0 + bx1) / 2.0 + half

    @property
    def bar_left_mm(self) -> float:
        """Sheet-plane position of the bars' left ends (mean of both), the reference mm are counted from."""
        return float(np.mean([self.bar_ends_px(n)[0] for n in ('white', 'black')])) * self.layout.mm_per_px

    def bar_rows_at(self, name: str, x: float) -> tuple[float, float]:
        """Sheet-plane rows of a bar's boundaries at column x (those of the layout are at its centre column)."""
        rows = self.layout.white_bar_rows if name == 'white' else self.layout.black_bar_rows
        tilt = math.radians(self.layout.white_bar_tilt_deg if name == 'white' else self.layout.black_bar_tilt_deg)
        centre_x, centre_y = sum(self.layout.bar_columns) / 2.0, (rows[0] + rows[1]) / 2.0
        # A boundary of the rectangle turned about its centre: a line at `tilt`, (row - centre) / cos(tilt) from it.
        return tuple(centre_y + (x - centre_x) * math.tan(tilt) + (r - centre_y) / math.cos(tilt) for r in rows)


def random_installation(seed: int, max_tilt_deg: float = 0.6, max_roll_deg: float = 1.0,
                        thickness_px: tuple[int, int] = (40, 80)) -> CameraInstallation:
    """A camera with the bars at random heights (either above the other), 40-80 px thick, each tilted up to
    `max_tilt_deg`, the camera rolled up to `max_roll_deg`, and its own lens (focal length, centre, distortion)
    and scale (1.75-2.0 mm/px) and bar ends."""
    rng = np.random.default_rng([seed, 2024])
    thick = [int(rng.integers(thickness_px[0], thickness_px[1] + 1)) for _ in range(2)]
    # Rows 190-930 keep a tilted, rolled bar below the shading plate and inside the view; bars >= 40 px apart.
    low, high, gap = 190, 930, 40
    while True:
        tops = [int(rng.integers(low, high - t)) for t in thick]
        spans = sorted(zip(tops, thick, strict=True))
        if spans[1][0] - (spans[0][0] + spans[0][1]) >= gap:
            break
    white, black = [(top, top + t) for top, t in zip(tops, thick, strict=True)]
    lens = LensModel(width=1920, height=1080, focal_px=float(rng.uniform(1000.0, 1250.0)),
                     cx=float(960.0 + rng.uniform(-15.0, 15.0)), cy=float(540.0 + rng.uniform(-12.0, 12.0)),
                     k1=float(rng.uniform(-0.20, -0.06)), k2=float(rng.uniform(0.0, 0.05)),
                     p1=float(rng.uniform(-0.0015, 0.0015)), p2=float(rng.uniform(-0.0015, 0.0015)), k3=0.0)
    layout = SceneLayout(mm_per_px=float(rng.uniform(1.75, 2.0)), white_bar_rows=white, black_bar_rows=black,
                         bar_columns=(int(rng.integers(20, 121)), 1920 - int(rng.integers(20, 121))),
                         white_bar_tilt_deg=float(rng.uniform(-max_tilt_deg, max_tilt_deg)),
                         black_bar_tilt_deg=float(rng.uniform(-max_tilt_deg, max_tilt_deg)))
    return CameraInstallation(LineCameraConfig(layout=layout, lens=lens, seed=seed,
                                               roll_deg=float(rng.uniform(-max_roll_deg, max_roll_deg))))


def main(argv: list[str] | None = None) -> None:
    """fracturescope-line-camera-installation --seed N --out DIR: a randomly built simulated line camera's frames
    of the empty line (DIR/empty/) and chessboard views (DIR/chessboards/), for fracturescope-edge-eye-calibrate
    and fracturescope-edge-eye-install; prints the bars' length and left ends to give the installation, and what the
    camera was built with (to compare)."""
    import argparse
    from pathlib import Path

    import cv2

    from fracturescope_sim.chessboard import chessboard_views
    from fracturescope_sim.edge_trajectory import constant, with_empty
    from fracturescope_sim.line_camera import LineCamera

    parser = argparse.ArgumentParser(prog='fracturescope-line-camera-installation', description=main.__doc__)
    parser.add_argument('--seed', type=int, required=True, help='which random camera')
    parser.add_argument('--out', type=Path, required=True, help='folder for empty/ and chessboards/')
    parser.add_argument('--frames', type=int, default=5, help='frames of the empty line')
    parser.add_argument('--views', type=int, default=16, help='chessboard views')
    parser.add_argument('--square-mm', type=float, default=100.0, help='chessboard square side: 100 mm boards reach '
                        'the bar ends (mm)')
    args = parser.parse_args(argv)
    camera = random_installation(args.seed)
    line = LineCamera(camera.camera, with_empty(constant(900.0, 2700.0), [(0.0, 1e9)]))
    for folder in ('empty', 'chessboards'):
        (args.out / folder).mkdir(parents=True, exist_ok=True)
    for i in range(args.frames):
        image = cv2.cvtColor(line.frame(i).image, cv2.COLOR_RGB2BGR)
        cv2.imwrite(str(args.out / 'empty' / f'empty_{i:02d}.png'), image)
    for i, view in enumerate(chessboard_views(camera.camera.lens, args.views, args.seed + 3,
                                              square_mm=args.square_mm)):
        cv2.imwrite(str(args.out / 'chessboards' / f'chessboard_{i:02d}.png'), view)
    layout = camera.layout
    print(f'chessboards: 9x6 inner corners, --square-mm {args.square_mm:g}')
    print(f'--bar-length-mm {camera.bar_length_mm:.2f} --bar-left-mm {camera.bar_left_mm:.2f}')
    print(f'built with: roll {camera.camera.roll_deg:+.3f} deg, white bar rows {layout.white_bar_rows} tilt '
          f'{layout.white_bar_tilt_deg:+.3f} deg, black bar rows {layout.black_bar_rows} tilt '
          f'{layout.black_bar_tilt_deg:+.3f} deg, bar columns {layout.bar_columns}, {layout.mm_per_px:.4f} mm/px')
