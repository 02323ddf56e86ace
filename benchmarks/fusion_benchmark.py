"""Fusion model benchmark: FP32 vs INT8 vs structured-pruned INT8 ONNX on onnxruntime — latency of one pair
(1 x C x H x W) with 1 and 2 threads, and macro-F1 on the test split.

Run from the repository root (workspace sourced):  python benchmarks/fusion_benchmark.py [--pairs-per-class N]
The FP32 file is not kept in git (45 MB): `make model` writes it next to the shipped INT8 files; without it the FP32
rows are skipped and said so. The test split is regenerated from its generator seeds, exactly as the data set
stores it (thermal in centikelvin), so no data set on disk is needed. Writes benchmarks/results/fusion.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import time

from bench_report import print_figure, save_results
from fracturescope_common.image_conversion import celsius_to_centikelvin, centikelvin_to_celsius
from fracturescope_perception.fusion.classifier import INPUT_NAME, OUTPUT_NAMES, onnx_session, run_onnx
from fracturescope_perception.fusion.evaluate import classification_report
from fracturescope_perception.fusion.preprocessing import Normalisation, to_input
from fracturescope_perception.fusion.synthesize_dataset import ALL_KINDS, split_seed
from fracturescope_sim.concrete_synthesis import CLASSES, SynthesisConfig, synthesize
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / 'src' / 'fracturescope_perception' / 'models' / 'fusion'
GOALS = {'int8_speedup_vs_fp32': 3.0, 'int8_macro_f1_drop_pt': 0.5,
         'pruned_int8_speedup_vs_int8': 1.3, 'pruned_int8_macro_f1_drop_pt': 1.0}


def test_split(card: dict, per_class: int) -> tuple[np.ndarray, np.ndarray]:
    """The card's test split (its first `per_class` pairs of each class) as network inputs and labels."""
    synthesis = card['training']['synthesis']
    config = SynthesisConfig(**synthesis)
    seed = split_seed(card['training']['data_seed'], 'test')
    rgb, thermal, labels = [], [], []
    for label, kind in enumerate(CLASSES):
        for i in range(per_class):
            sample = synthesize(kind, (seed, ALL_KINDS.index(kind), i), config)
            rgb.append(sample.rgb)
            thermal.append(centikelvin_to_celsius(celsius_to_centikelvin(sample.thermal)))
            labels.append(label)
    norm = Normalisation.from_dict(card['normalisation'])
    return to_input(np.stack(rgb), np.stack(thermal), norm, 'fused'), np.array(labels)


def latency_ms(path: Path, x: np.ndarray, threads: int, repeats: int) -> dict:
    session = onnx_session(path, threads)
    one = x[:1]
    for _ in range(20):
        session.run(list(OUTPUT_NAMES), {INPUT_NAME: one})
    times = []
    for i in range(repeats):
        sample = x[i % len(x): i % len(x) + 1]
        start = time.perf_counter()
        session.run(list(OUTPUT_NAMES), {INPUT_NAME: sample})
        times.append((time.perf_counter() - start) * 1e3)
    return {'p50': float(np.median(times)), 'p95': float(np.percentile(times, 95)), 'mean': float(np.mean(times))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--models', type=Path, default=MODELS)
    parser.add_argument('--pairs-per-class', type=int, default=300, help='test pairs per class (the card used 300)')
    parser.add_argument('--repeats', type=int, default=300, help='timed single-pair runs per model and thread count')
    args = parser.parse_args()
    card = json.loads((args.models / 'fusion.card.json').read_text())
    x, y = test_split(card, args.pairs_per_class)
    print(f'{card["name"]}@{card["version"]}: {len(y)} test pairs, input 1 x {x.shape[1]} x {x.shape[2]} x '
          f'{x.shape[3]}', flush=True)
    figures: dict = {'models': {}}
    for name, variant in card['variants'].items():
        path = args.models / variant['file']
        if not path.exists():
            print(f'{name}: {path.name} not here (run `make model` to build it): skipped', flush=True)
            continue
        logits, _ = run_onnx(onnx_session(path, 2), x)
        report = classification_report(y, logits.argmax(1), list(CLASSES))
        figures['models'][name] = {
            'file_mb': path.stat().st_size / 1e6, 'macro_f1': report['macro']['f1'], 'accuracy': report['accuracy'],
            'latency_ms': {f'{threads}_thread': latency_ms(path, x, threads, args.repeats) for threads in (1, 2)}}
        m = figures['models'][name]
        print(f'{name:12s} {m["file_mb"]:6.1f} MB  macro-F1 {m["macro_f1"]:.4f}  latency p50 '
              f'{m["latency_ms"]["1_thread"]["p50"]:.2f} ms (1 thread), {m["latency_ms"]["2_thread"]["p50"]:.2f} ms '
              f'(2 threads)', flush=True)
    models = figures['models']

    def compare(fast: str, slow: str, speed_goal: str, drop_goal: str) -> None:
        if fast not in models or slow not in models:
            return
        for threads in ('1_thread', '2_thread'):
            speedup = models[slow]['latency_ms'][threads]['p50'] / models[fast]['latency_ms'][threads]['p50']
            figures[f'{fast}_speedup_vs_{slow}_{threads}'] = speedup
            print_figure(f'{fast} speed-up over {slow}, {threads.replace("_", " ")} (x)', speedup,
                         f'>= {GOALS[speed_goal]}', speedup >= GOALS[speed_goal])
        drop = (models[slow]['macro_f1'] - models[fast]['macro_f1']) * 100
        figures[f'{fast}_macro_f1_drop_pt'] = drop
        print_figure(f'{fast} macro-F1 drop from {slow} (points)', drop, f'<= {GOALS[drop_goal]}',
                     drop <= GOALS[drop_goal])

    compare('int8', 'fp32', 'int8_speedup_vs_fp32', 'int8_macro_f1_drop_pt')
    compare('pruned_int8', 'int8', 'pruned_int8_speedup_vs_int8', 'pruned_int8_macro_f1_drop_pt')
    save_results('fusion', figures, GOALS, model=f'{card["name"]}@{card["version"]}', test_pairs=len(y))


if __name__ == '__main__':
    main()
