"""Fusion detector benchmark on data it was never tuned to: the held-out surface family (never trained on).

- Tiles (from the card, measured by `make model` on each variant's ONNX file): published macro-F1, known tiles
  published as anomaly, unseen-type AUROC, per family.
- The cross-generator matrix and the ablation (fused vs RGB-only vs thermal-only on the held-out family), read from
  benchmarks/results/cross_generator.json (`fracturescope-cross-generator`).
- Whole frames: 1280 x 720 RGB + 160 x 120 thermal (another aspect ratio: registered) of the held-out family with
  0-3 defects: frame recall, false frames, region recall and precision, and the latency of one frame on 1 thread;
  before and after a site calibration; with the dense head (the node's default) and tile by tile.
- Compression: latency of one tile (batch 1) per variant at 1 and 2 threads: INT8 over FP32, pruned over INT8.

Run from the repository root (workspace sourced):  python benchmarks/fusion_benchmark.py [--frames N]
The FP32 file is not kept in git (45 MB): `make model` writes it; without it the FP32 rows are skipped and said so.
Writes benchmarks/results/fusion.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import time

from bench_report import print_figure, save_results
from fracturescope_perception.fusion.classifier import INPUT_NAME, OUTPUT_NAMES, FusionClassifier, onnx_session
from fracturescope_perception_training.fusion.frame_evaluation import (
    FrameSetConfig,
    evaluate_frames,
    site_calibration_figures,
)
from fracturescope_sim.surfaces import HELD_OUT
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / 'src' / 'fracturescope_perception' / 'models' / 'fusion'
STUDY = ROOT / 'benchmarks' / 'results' / 'cross_generator.json'
GOALS = {'held_out_macro_f1_published': 0.85, 'held_out_known_as_anomaly': 0.10, 'held_out_unseen_auroc': 0.90,
         'fused_lead_pt': 0.0, 'frame_recall': 0.95, 'false_frames': 0.05, 'frame_latency_ms_1_thread': 100.0,
         'int8_speedup_vs_fp32': 3.0, 'pruned_int8_speedup_vs_int8': 1.3}


def tile_latency_ms(path: Path, threads: int, size: int, repeats: int = 200) -> float:
    session = onnx_session(path, threads)
    x = np.random.default_rng(0).normal(0, 1, (1, 4, size, size)).astype(np.float32)
    for _ in range(20):
        session.run(list(OUTPUT_NAMES), {INPUT_NAME: x})
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        session.run(list(OUTPUT_NAMES), {INPUT_NAME: x})
        times.append((time.perf_counter() - start) * 1e3)
    return float(np.median(times))


def whole_frame_figures(detector: FusionClassifier, frame_set: FrameSetConfig, args: argparse.Namespace
                        ) -> tuple[dict, dict]:
    """Frame and region figures on the held-out family, then the same after a site calibration."""
    frames = evaluate_frames(detector, HELD_OUT, args.frames, args.seed, frame_set)
    print(f"whole frames of {HELD_OUT}: {frames['frames']} ({frames['defective_frames']} with defects), "
          f"{frame_set.width}x{frame_set.height} + {frame_set.thermal_width}x{frame_set.thermal_height} thermal")
    print_figure('frame recall', frames['frame_recall'], f">= {GOALS['frame_recall']}",
                 frames['frame_recall'] >= GOALS['frame_recall'])
    print_figure('false frames (clean frames with a report)', frames['false_frames'], f"<= {GOALS['false_frames']}",
                 frames['false_frames'] <= GOALS['false_frames'])
    print_figure('region recall', frames['region_recall'], 'reported', None)
    print_figure('region precision', frames['region_precision'], 'reported', None)
    print_figure('region label accuracy (found regions)', frames['region_label_accuracy'], 'reported', None)
    print_figure('one 1280x720 + 160x120 frame, 1 thread, p50 (ms)', frames['latency_ms_p50'],
                 f"<= {GOALS['frame_latency_ms_1_thread']}",
                 frames['latency_ms_p50'] <= GOALS['frame_latency_ms_1_thread'])
    site = site_calibration_figures(detector, HELD_OUT, args.calibration_frames, args.frames, args.seed + 7, frame_set)
    print(f"site calibration on {site['calibration_frames']} clean {HELD_OUT} frames (anomaly over "
          f"{site['anomaly_threshold']:.3f}, defect over {site['defect_threshold']:.3f}):")
    print_figure('false frames before site calibration', site['before']['false_frames'], 'reported', None)
    print_figure('false frames after site calibration', site['after']['false_frames'], f"<= {GOALS['false_frames']}",
                 site['after']['false_frames'] <= GOALS['false_frames'])
    print_figure('frame recall after site calibration', site['after']['frame_recall'], f">= {GOALS['frame_recall']}",
                 site['after']['frame_recall'] >= GOALS['frame_recall'])
    print_figure('region recall after site calibration', site['after']['region_recall'], 'reported', None)
    print_figure('region precision after site calibration', site['after']['region_precision'], 'reported', None)
    return frames, site


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--frames', type=int, default=150, help='whole frames of the held-out family')
    parser.add_argument('--calibration-frames', type=int, default=60, help='clean frames for the site calibration')
    parser.add_argument('--seed', type=int, default=4242)
    args = parser.parse_args()
    card = json.loads((MODELS / 'fusion.card.json').read_text())
    figures: dict = {'model': f"{card['name']}@{card['version']}", 'held_out_family': HELD_OUT}
    default = card['variants'][card['default_variant']]['metrics_test']

    print(f"tiles of each family, {card['default_variant']} (make model, ONNX):")
    for family, m in default.items():
        seen = 'held out' if family == HELD_OUT else 'trained'
        print(f"  {family:10s} ({seen}): published macro-F1 {m['macro_f1_published']:.3f}, known as anomaly "
              f"{100 * m['known_as_anomaly']:.1f} %, unseen AUROC {m.get('unseen_auroc', float('nan')):.3f}")
    held = default[HELD_OUT]
    figures['tiles'] = default
    print_figure(f'published macro-F1, {HELD_OUT} tiles (never trained on)', held['macro_f1_published'],
                 f">= {GOALS['held_out_macro_f1_published']}",
                 held['macro_f1_published'] >= GOALS['held_out_macro_f1_published'])
    print_figure('known tiles published as anomaly (%)', 100 * held['known_as_anomaly'],
                 f"<= {100 * GOALS['held_out_known_as_anomaly']:.0f}",
                 held['known_as_anomaly'] <= GOALS['held_out_known_as_anomaly'])
    print_figure('unseen-type AUROC', held['unseen_auroc'], f">= {GOALS['held_out_unseen_auroc']}",
                 held['unseen_auroc'] >= GOALS['held_out_unseen_auroc'])

    if STUDY.exists():
        study = json.loads(STUDY.read_text())
        figures['cross_generator'] = {run['name']: {f: e['macro_f1_published'] for f, e in run['evaluated_on'].items()}
                                      for run in study['runs']}
        print('cross-generator matrix, published macro-F1 (rows trained on, columns evaluated on):')
        families = list(study['runs'][0]['evaluated_on'])
        print(f"  {'':34s}" + ''.join(f'{f:>12s}' for f in families))
        for run in study['runs']:
            print(f"  {run['name']:34s}" + ''.join(f"{run['evaluated_on'][f]['macro_f1_published']:12.3f}"
                                                 for f in families))
        runs = {run['modality']: run for run in study['runs']
                if len(run['trained_on']) > 1 and run['background'] == 'local_median'}
        for other in ('rgb', 'thermal'):
            if 'fused' in runs and other in runs:
                lead = 100 * (runs['fused']['evaluated_on'][HELD_OUT]['macro_f1_published']
                              - runs[other]['evaluated_on'][HELD_OUT]['macro_f1_published'])
                figures[f'fused_lead_over_{other}_pt'] = lead
                print_figure(f'fused - {other}-only published macro-F1, {HELD_OUT} (pt)', lead,
                             f"> {GOALS['fused_lead_pt']}", lead > GOALS['fused_lead_pt'])
        plain = [run for run in study['runs'] if run['background'] == 'frame_median']
        if plain and 'fused' in runs:
            gain = 100 * (runs['fused']['evaluated_on'][HELD_OUT]['macro_f1_published']
                          - plain[0]['evaluated_on'][HELD_OUT]['macro_f1_published'])
            figures['thermal_background_removal_gain_pt'] = gain
            print_figure(f'thermal background removed - not removed, {HELD_OUT} (pt)', gain, 'reported', None)
    else:
        print(f'{STUDY} missing: run fracturescope-cross-generator for the matrix and the ablation')

    # the node's way (dense_inference, config/perception.yaml) first, then tile by tile, on the same frames
    modes = {}
    for name, frame_set in (('dense', FrameSetConfig()), ('tile_by_tile', FrameSetConfig(dense=False))):
        detector = FusionClassifier(MODELS / 'fusion.card.json', threads=1, tiling=frame_set.tiling(),
                                    registration=frame_set.registration())
        print(f'{name}: {detector.model_id}')
        modes[name] = whole_frame_figures(detector, frame_set, args)
    figures['frames'], figures['site_calibration'] = modes['dense']
    figures['frames_tile_by_tile'], figures['site_calibration_tile_by_tile'] = modes['tile_by_tile']

    size = int(card['input']['size'])
    latency = {}
    for name, variant in card['variants'].items():
        path = MODELS / variant['file']
        if not path.exists():
            print(f'{name}: {path.name} not here (make model writes it): skipped')
            continue
        latency[name] = {threads: tile_latency_ms(path, threads, size) for threads in (1, 2)}
        print(f"{name:12s} {path.stat().st_size / 1e6:5.1f} MB  one tile p50 {latency[name][1]:.2f} ms (1 thread), "
              f"{latency[name][2]:.2f} ms (2 threads)")
    figures['tile_latency_ms'] = latency
    for fast, slow, goal in (('int8', 'fp32', 'int8_speedup_vs_fp32'),
                             ('pruned_int8', 'int8', 'pruned_int8_speedup_vs_int8')):
        if fast in latency and slow in latency:
            for threads in (1, 2):
                speedup = latency[slow][threads] / latency[fast][threads]
                figures[f'{fast}_speedup_vs_{slow}_{threads}_thread'] = speedup
                print_figure(f'{fast} speed-up over {slow}, {threads} thread(s) (x)', speedup, f'>= {GOALS[goal]}',
                             speedup >= GOALS[goal])
    save_results('fusion', figures, GOALS)


if __name__ == '__main__':
    main()
