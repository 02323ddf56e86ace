"""Train Fast-ESPCN (paper IV.D.1, Fig. 9-10) on rendered furnace views and export it to ONNX.

    fracturescope-edge-eye-train-espcn --out src/fracturescope_perception/models/fast_espcn_x2.onnx

High-resolution truth: crops of the simulated scene (fracturescope_sim.furnace_scene) rendered directly at 2x
(the paper's 4K frames), with a sheet edge at a random sub-pixel position, in a random sheet colour, light level
and blur. Input: the same crop area-downsampled to 1080p scale, with sensor noise, then contrast-enhanced exactly as
the tracker does before super-resolution. Deterministic by seed; about two minutes on one CPU core.
"""

import argparse
from pathlib import Path
import time

from fracturescope_perception.edge_eye.contrast_enhancement import enhance
import numpy as np

HR, SCALE = 96, 2


def render_pairs(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(count, 1, 48, 48) enhanced noisy low-res inputs and (count, 1, 96, 96) clean high-res targets, in [0, 1]."""
    import cv2
    from fracturescope_sim.furnace_scene import SHEET_COLOURS, SceneLayout, render_ideal, sheet_coverage

    rng = np.random.default_rng(seed)
    layout = SceneLayout()
    colours = np.array(list(SHEET_COLOURS.values()), np.float32)
    lows, highs = [], []
    bar_tops = [layout.white_bar_rows[0], layout.black_bar_rows[0]]
    for _ in range(count):
        # Crops over a bar (where the tracker looks) most of the time, anywhere on the wall otherwise.
        y0 = float(rng.choice(bar_tops) + rng.uniform(-40.0, 40.0)) if rng.random() < 0.8 else \
            float(rng.uniform(150.0, 900.0))
        x0 = float(rng.uniform(200.0, 1600.0))
        hr = render_ideal(layout, x0, y0, HR, HR, float(SCALE), supersample=2)
        edge_x = x0 + rng.uniform(8.0, HR / SCALE - 8.0)            # ideal px
        xs = x0 + np.arange(HR, dtype=np.float32) / SCALE
        side = 1.0 if rng.random() < 0.5 else -1.0                  # sheet right or left of the edge
        alpha = sheet_coverage(side * (xs - edge_x), rng.uniform(0.5, 1.5))[None, :, None]
        hr = hr * (1.0 - alpha) + colours[rng.integers(len(colours))] * alpha
        hr = hr * rng.uniform(0.4, 1.1)
        grey_hr = cv2.cvtColor(np.clip(hr, 0, 255).astype(np.float32), cv2.COLOR_RGB2GRAY)
        lr = cv2.resize(grey_hr, (HR // SCALE, HR // SCALE), interpolation=cv2.INTER_AREA)
        lr = np.clip(lr + rng.normal(0.0, rng.uniform(1.0, 3.0), lr.shape), 0, 255).astype(np.uint8)
        lr = enhance(lr, (9, 9), 20.0, 0.3, 0.8)
        lows.append(lr.astype(np.float32) / 255.0)
        highs.append(np.clip(grey_hr, 0, 255) / 255.0)
    return np.stack(lows)[:, None], np.stack(highs)[:, None].astype(np.float32)


def build_model():  # noqa: ANN201 - torch is imported lazily (training only)
    import torch
    from torch import nn

    class FastEspcn(nn.Module):
        """Growing hidden layers 1 -> 8 -> 16 -> v^2 at low resolution, then the sub-pixel convolution; the
        network adds a residual to nearest-neighbour upsampling."""

        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, 8, 5, padding=2)
            self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
            self.conv3 = nn.Conv2d(16, SCALE * SCALE, 3, padding=1)
            self.shuffle = nn.PixelShuffle(SCALE)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = torch.tanh(self.conv1(x))
            y = torch.tanh(self.conv2(y))
            y = self.conv3(y) + x.repeat(1, SCALE * SCALE, 1, 1)
            return self.shuffle(y)

    return FastEspcn()


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10.0 * np.log10(1.0 / max(float(np.mean((a - b) ** 2)), 1e-12)))


def train(out: Path, steps: int, seed: int, batch: int = 32) -> dict[str, float]:
    import cv2
    import onnx
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    lows, highs = render_pairs(1200, seed)
    val_lows, val_highs = render_pairs(200, seed + 1)
    model = build_model()
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, steps)
    x_all, y_all = torch.from_numpy(lows), torch.from_numpy(highs)
    rng = np.random.default_rng(seed)
    started = time.monotonic()
    for step in range(steps):
        idx = torch.from_numpy(rng.integers(0, len(lows), batch))
        loss = torch.nn.functional.mse_loss(model(x_all[idx]), y_all[idx])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        scheduler.step()
        if step % 250 == 0 or step == steps - 1:
            print(f'step {step:5d}  loss {loss.item():.5f}  ({time.monotonic() - started:.0f} s)', flush=True)
    model.eval()
    with torch.no_grad():
        predicted = model(torch.from_numpy(val_lows)).numpy()
    bicubic = np.stack([cv2.resize(v[0], None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)
                        for v in val_lows])[:, None]
    figures = {'val_psnr_espcn_db': psnr(np.clip(predicted, 0, 1), val_highs),
               'val_psnr_bicubic_db': psnr(np.clip(bicubic, 0, 1), val_highs)}
    out.parent.mkdir(parents=True, exist_ok=True)
    example = torch.from_numpy(val_lows[:2])
    torch.onnx.export(model, (example,), str(out), input_names=['lr'], output_names=['sr'],
                      dynamic_axes={'lr': {0: 'n', 2: 'h', 3: 'w'}, 'sr': {0: 'n', 2: 'h2', 3: 'w2'}},
                      dynamo=False)
    # One self-contained file (the exporter may write the weights beside it).
    onnx.save_model(onnx.load(str(out)), str(out), save_as_external_data=False)
    Path(str(out) + '.data').unlink(missing_ok=True)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog='fracturescope-edge-eye-train-espcn', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out', type=Path, required=True, help='ONNX file to write')
    parser.add_argument('--steps', type=int, default=3000, help='training steps (batches of 32)')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    figures = train(args.out, args.steps, args.seed)
    print(f'validation PSNR: Fast-ESPCN {figures["val_psnr_espcn_db"]:.2f} dB, bicubic '
          f'{figures["val_psnr_bicubic_db"]:.2f} dB; wrote {args.out} ({args.out.stat().st_size} bytes)')


if __name__ == '__main__':
    main()
