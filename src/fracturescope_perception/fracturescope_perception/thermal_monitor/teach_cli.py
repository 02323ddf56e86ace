"""fracturescope-thermal-teach: teach the thermal monitor an installation from its own frames.

    fracturescope-thermal-teach record rec.npz --minutes 900 --period-s 60   # the live topic, a frame a minute
    fracturescope-thermal-teach propose rec.npz labels.yaml --installation-id boiler-room-1
    #   ... check labels.yaml: the proposed cold / warm / hot time ranges; correct or rename them ...
    fracturescope-thermal-teach learn rec.npz labels.yaml models/           # -> models/<id>.card.json
then point the monitor's `model_card` at the card (or call its `thermal_monitor/learn` service instead of all this).
Frames outside every labelled range are not learnt from. Learn only from normal operation: a hot spot in the
recording becomes part of the normal. Exit status 0 done, 1 nothing to learn from, 2 usage or file error.
"""

from __future__ import annotations

import argparse
from pathlib import Path
import sys
import time

import numpy as np

from fracturescope_perception.thermal_monitor.installation_model import InstallationModel, propose_states
from fracturescope_perception.thermal_monitor.recording import (
    Recording,
    labels_of,
    ranges_of,
    read_labels,
    write_labels,
)


def record(path: Path, topic: str, seconds: float, period_s: float, valid_c: tuple[float, float],
           kelvin_per_count: float, count_offset_c: float) -> int:
    """Subscribe to `topic` for `seconds` and save a frame every `period_s` (0: every one) that converts (degC,
    within the sensor range)."""
    from fracturescope_common.image_conversion import CountScale
    from fracturescope_common.image_stream import IMAGE_SUBSCRIPTION
    import rclpy
    from sensor_msgs.msg import Image

    from fracturescope_perception.thermal_monitor.frame_input import FrameRejectedError, celsius_frame

    frames, times, refused = [], [], 0
    counts = CountScale(kelvin_per_count, count_offset_c)

    def take(msg: Image) -> None:
        nonlocal refused
        stamp_s = msg.header.stamp.sec + msg.header.stamp.nanosec * 1e-9   # equipment time, as the node reads it
        if times and stamp_s - times[-1] < period_s:     # includes a stamp going back (a bag played again)
            return
        try:
            frames.append(celsius_frame(msg, msg.height, msg.width, valid_c, counts))
            times.append(stamp_s)
        except FrameRejectedError as error:
            refused += 1
            print(f'frame refused: {error}', file=sys.stderr)

    rclpy.init()
    try:
        node = rclpy.create_node('thermal_teach_record')
        node.create_subscription(Image, topic, take, IMAGE_SUBSCRIPTION)
        deadline = time.monotonic() + seconds
        while rclpy.ok() and time.monotonic() < deadline:
            rclpy.spin_once(node, timeout_sec=0.2)
    finally:
        rclpy.try_shutdown()
    if not frames:
        print(f'no frame received on {topic} in {seconds:g} s ({refused} refused)', file=sys.stderr)
        return 1
    Recording(np.stack(frames), np.array(times) - times[0]).save(path)
    print(f'{path}: {len(frames)} frames over {times[-1] - times[0]:.0f} s ({refused} refused)')
    return 0


def propose(recording: Recording, labels_path: Path, installation_id: str) -> int:
    states = propose_states(recording.frames)
    ranges = ranges_of(states, recording.times_s)
    write_labels(labels_path, installation_id, ranges)
    counts = {s: states.count(s) for s in dict.fromkeys(states)}
    print(f'{labels_path}: {len(ranges)} ranges, frames per proposed state {counts}; check and correct it, then learn')
    return 0


def learn(recording: Recording, labels_path: Path, out_dir: Path) -> int:
    installation_id, ranges = read_labels(labels_path)
    if not installation_id:
        raise ValueError(f'{labels_path}: installation_id is empty')
    labels = labels_of(ranges, recording.times_s)
    chosen = [i for i, label in enumerate(labels) if label is not None]
    if len(chosen) < 10:
        print(f'only {len(chosen)} frames fall in a labelled range; at least 10 are needed', file=sys.stderr)
        return 1
    model = InstallationModel.learn(recording.frames[chosen], [labels[i] for i in chosen], installation_id,
                                    times_s=recording.times_s[chosen])
    card = model.save(out_dir)
    checked = chosen[::max(1, len(chosen) // 300)]       # a sample: assessing hours of frames takes long
    alerts = sum(model.assess(recording.frames[i]).anomaly_probability > 0.7 for i in checked)
    print(f'{card}: {model.card["frames_per_state"]}, {model.card["components"]} heat patterns; '
          f'{alerts} of {len(checked)} learnt frames checked would alert (expect 0)')
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog='fracturescope-thermal-teach', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest='command', required=True)
    rec = sub.add_parser('record', help='save the live topic\'s frames')
    rec.add_argument('recording', type=Path)
    rec.add_argument('--topic', default='equipment_thermal/image_raw')
    rec.add_argument('--minutes', type=float, required=True)
    rec.add_argument('--period-s', type=float, default=0.0, help='keep a frame every this many seconds; 0: all')
    rec.add_argument('--min-c', type=float, default=-40.0, help='sensor range, as thermal_min_c (degC)')
    rec.add_argument('--max-c', type=float, default=300.0, help='as thermal_max_c (degC)')
    rec.add_argument('--kelvin-per-count', type=float, default=0.01, help='16UC1 scale, as the node (K)')
    rec.add_argument('--count-offset-c', type=float, default=-273.15, help='16UC1 offset, as the node (degC)')
    pro = sub.add_parser('propose', help='write proposed state time ranges for the user to check')
    pro.add_argument('recording', type=Path)
    pro.add_argument('labels', type=Path)
    pro.add_argument('--installation-id', required=True)
    lea = sub.add_parser('learn', help='learn the installation from the recording and its labels')
    lea.add_argument('recording', type=Path)
    lea.add_argument('labels', type=Path)
    lea.add_argument('out_dir', type=Path)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.command == 'record':
            return record(args.recording, args.topic, args.minutes * 60, args.period_s, (args.min_c, args.max_c),
                          args.kelvin_per_count, args.count_offset_c)
        recording = Recording.load(args.recording)
        if args.command == 'propose':
            return propose(recording, args.labels, args.installation_id)
        return learn(recording, args.labels, args.out_dir)
    except (OSError, ValueError, KeyError) as error:
        print(f'fracturescope-thermal-teach: {error}', file=sys.stderr)
        return 2


def run() -> None:
    sys.exit(main())


if __name__ == '__main__':
    run()
