"""Why whole frames get false reports: how many tiles of known-clean whole frames the shipped detector flags, per
surface family (the three it was trained on and the held-out one).

A whole 1280 x 720 frame is about 200 tiles; a clean frame gets a report as soon as `min_region_tiles` touching tiles
are flagged (P(none) under 1 - defect threshold, or the anomaly score over its threshold). The card's thresholds were
set per tile (the anomaly threshold at a 5 % tile false-alarm rate on validation tiles), and its training tiles are
30 % clean where a whole frame's are almost all clean: this measures what that leaves at the frame level.

Run from the repository root (workspace sourced):  python benchmarks/fusion_tile_specificity_benchmark.py [--frames N]
Writes benchmarks/results/fusion_tile_specificity.json.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
import json
from pathlib import Path

from bench_report import print_figure, save_results
from fracturescope_perception.fusion.classifier import FusionClassifier
from fracturescope_perception_training.fusion.frame_evaluation import FrameSetConfig, frame_specs
from fracturescope_sim.surfaces import FAMILIES, HELD_OUT, renderer

ROOT = Path(__file__).resolve().parent.parent
CARD = ROOT / 'src' / 'fracturescope_perception' / 'models' / 'fusion' / 'fusion.card.json'
GOALS = {'false_frames': 0.05}


def clean_frame_figures(classifier: FusionClassifier, family: str, count: int, seed: int,
                        config: FrameSetConfig) -> dict:
    render = renderer(family)
    tiles = defect_tiles = anomaly_tiles = reported = 0
    for frame_seed, spec in frame_specs(count, seed, replace(config, clean_share=1.0)):
        frame = render(frame_seed, spec)
        batch = classifier.tiler.tiles(frame.rgb, frame.thermal_c)
        probabilities, anomaly = classifier.scores(batch)
        labels, _ = classifier.tile_labels(probabilities, anomaly)
        tiles += len(labels)
        anomaly_tiles += sum(label == classifier.anomaly_label for label in labels)
        defect_tiles += sum(label not in ('none', classifier.anomaly_label) for label in labels)
        reported += bool(classifier.regions(batch.boxes, probabilities, anomaly))
    return {'held_out': family == HELD_OUT, 'clean_frames': count, 'tiles_per_frame': tiles / count,
            'clean_tiles_flagged_defect': defect_tiles / tiles, 'clean_tiles_flagged_anomaly': anomaly_tiles / tiles,
            'false_frames': reported / count}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--frames', type=int, default=40, help='clean whole frames per family')
    parser.add_argument('--seed', type=int, default=777)
    args = parser.parse_args()
    config = FrameSetConfig()
    classifier = FusionClassifier(CARD, threads=1, tiling=config.tiling(), registration=config.registration())
    card = json.loads(CARD.read_text())
    training = card['training']['tiles_per_class']
    figures: dict = {'model': classifier.model_id, 'anomaly_threshold': classifier.anomaly_threshold,
                     'defect_threshold': classifier.defect_threshold,
                     'anomaly_false_alarm_rate_per_tile_val': card['anomaly_false_alarm_rate_val'],
                     'training_tiles_clean_share': training['none'] / sum(training.values()), 'families': {}}
    print(f"{classifier.model_id}: training tiles {100 * figures['training_tiles_clean_share']:.0f} % clean; anomaly "
          f"threshold set at {100 * figures['anomaly_false_alarm_rate_per_tile_val']:.0f} % false alarms per tile")
    for family in FAMILIES:
        result = clean_frame_figures(classifier, family, args.frames, args.seed, config)
        figures['families'][family] = result
        seen = 'held out' if result['held_out'] else 'trained on'
        print(f"{family} ({seen}), {args.frames} clean {config.width}x{config.height} frames, "
              f"{result['tiles_per_frame']:.0f} tiles each:")
        print_figure('  clean tiles flagged as a defect (%)', 100 * result['clean_tiles_flagged_defect'], 'reported',
                     None)
        print_figure('  clean tiles flagged as an anomaly (%)', 100 * result['clean_tiles_flagged_anomaly'],
                     'reported', None)
        print_figure('  clean frames with a report', result['false_frames'], f"<= {GOALS['false_frames']}",
                     result['false_frames'] <= GOALS['false_frames'])
    save_results('fusion_tile_specificity', figures, GOALS,
                 note='frames from this project\'s own surface generators (three trained on, one held out)')


if __name__ == '__main__':
    main()
