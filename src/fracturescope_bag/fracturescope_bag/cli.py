"""``fracturescope-bag``: record topics into a rosbag2 MCAP bag, play a bag back, show what a bag holds.

  fracturescope-bag record [TOPIC ...] [-a] [-o DIR] [-b BYTES] [-d SECONDS]
  fracturescope-bag play BAG [-r RATE] [-l] [--start-offset S] [--topics T ...] [--remap FROM:=TO ...]
                         [--clock [HZ]] [--delay S]
  fracturescope-bag info BAG [--check]

Ctrl-C or SIGTERM stops either cleanly (record finishes the bag). Exit status: 0 done, 1 the bag is damaged (its
readable part was played or listed; each damaged place is printed), 2 usage error or a bag that does not open.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
import re
import signal
import sys
import threading

import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.parameter import Parameter
from rclpy.signals import SignalHandlerOptions

from .bag_reader import BagError, open_bag
from .bag_writer import BagWriter, SplitLimits
from .playback_schedule import NS_PER_S
from .player import Player, PlayOptions
from .recorder import Recorder, RecordOptions

EXIT_OK, EXIT_DAMAGED, EXIT_USAGE = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except (BagError, FileExistsError, ValueError) as error:
        _say(str(error))
        return EXIT_USAGE


def _say(text: str) -> None:
    print(f'fracturescope-bag: {text}', file=sys.stderr, flush=True)


def _stop_on_signals() -> threading.Event:
    """An event set by Ctrl-C or SIGTERM (rclpy's own handlers are off, so shutting down is ours to do)."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def _record(args: argparse.Namespace) -> int:
    if not args.topics and not args.all:
        raise ValueError('name the topics to record, or --all')
    output = Path(args.output or datetime.now().strftime('rosbag2_%Y_%m_%d-%H_%M_%S'))
    stop = _stop_on_signals()
    writer = BagWriter(output, SplitLimits(args.max_bag_size, round(args.max_bag_duration * NS_PER_S)),
                       zstd_chunks=args.zstd)
    rclpy.init(signal_handler_options=SignalHandlerOptions.NO)
    try:
        node = rclpy.create_node('fracturescope_bag_recorder', enable_rosout=False, start_parameter_services=False,
                                 parameter_overrides=[Parameter('use_sim_time', value=args.use_sim_time)])
        options = RecordOptions(topics=args.topics, all_topics=args.all,
                                exclude=re.compile(args.exclude) if args.exclude else None,
                                queue_depth=args.queue_depth)
        recorder = Recorder(node, writer, options, _say)
        executor = SingleThreadedExecutor()
        executor.add_node(node)
        _say(f'recording into {output} (Ctrl-C to stop)')
        while not stop.is_set():
            executor.spin_once(timeout_sec=0.1)
        recorder.close()
        executor.shutdown()
        node.destroy_node()
    finally:
        writer.close()
        rclpy.try_shutdown()
    total = sum(writer.counts.values())
    _say(f'recorded {total} messages on {len(writer.counts)} topics into {output} '
         f'({len(writer.files)} file{"s" if len(writer.files) != 1 else ""})')
    return EXIT_OK


def _play(args: argparse.Namespace) -> int:
    bag = open_bag(args.bag)
    remaps = {}
    for remap in args.remap:
        source, sep, target = remap.partition(':=')
        if not sep or not source or not target:
            raise ValueError(f'--remap {remap!r}: give FROM:=TO')
        remaps[source] = target
    options = PlayOptions(rate=args.rate, loop=args.loop, start_offset_s=args.start_offset, topics=args.topics,
                          remaps=remaps, clock_hz=args.clock, wait_for_subscribers_s=args.wait_for_subscribers,
                          delay_s=args.delay)
    if not options.rate > 0:
        raise ValueError('--rate must be positive')
    if options.delay_s < 0:
        raise ValueError('--delay must not be negative')
    stop = _stop_on_signals()
    rclpy.init(signal_handler_options=SignalHandlerOptions.NO)
    try:
        node = rclpy.create_node('fracturescope_bag_player', start_parameter_services=False)
        player = Player(node, bag, options, stop, _say)
        for topic, why in player.report.skipped_topics.items():
            _say(f'not playing {topic}: {why}')
        report = player.play()
        node.destroy_node()
    finally:
        rclpy.try_shutdown()
    for damage in report.damages:
        _say(f'damaged bag: {damage}')
    _say(f'played {sum(report.published.values())} messages on {len(report.published)} topics'
         + (f' ({report.passes} passes)' if report.passes > 1 else '') + (' (stopped)' if report.stopped else ''))
    return EXIT_DAMAGED if report.damages else EXIT_OK


def _info(args: argparse.Namespace) -> int:
    bag = open_bag(args.bag)
    print(f'bag:      {bag.path}\nstorage:  {bag.storage}\nfiles:    {", ".join(f.name for f in bag.files)}')
    if bag.starting_time_ns is not None and bag.duration_ns is not None:
        print(f'duration: {bag.duration_ns / NS_PER_S:.3f} s from {bag.starting_time_ns} ns')
    counted = None
    if args.check:
        counted = {}
        for message in bag.messages():
            counted[message.topic] = counted.get(message.topic, 0) + 1
    for topic in bag.topics.values():
        count = counted.get(topic.name, 0) if counted is not None else topic.message_count
        policies = sorted({f'{q.reliability.name.lower()}/{q.durability.name.lower()}' for q in topic.offered_qos})
        print(f'topic:    {topic.name} | {topic.type} | {count if count is not None else "?"} messages | '
              f'offered {", ".join(policies) or "-"}')
    for damage in bag.damages:
        print(f'damaged:  {damage}')
    return EXIT_DAMAGED if bag.damages else EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='fracturescope-bag', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(required=True, metavar='COMMAND')

    record = commands.add_parser('record', help='record topics into a rosbag2 MCAP bag')
    record.add_argument('topics', nargs='*', metavar='TOPIC', help='topics to record (when they appear)')
    record.add_argument('-a', '--all', action='store_true', help='every topic discovered (hidden ones excepted)')
    record.add_argument('-e', '--exclude', metavar='REGEX', help='with --all: leave out topics matching REGEX')
    record.add_argument('-o', '--output', metavar='DIR', help='bag directory (default rosbag2_<date>-<time>)')
    record.add_argument('-b', '--max-bag-size', type=int, default=0, metavar='BYTES',
                        help='start a new file when the current one reaches BYTES [bytes] (0: never)')
    record.add_argument('-d', '--max-bag-duration', type=float, default=0.0, metavar='SECONDS',
                        help='start a new file when the current one spans SECONDS [s] (0: never)')
    record.add_argument('--zstd', action='store_true', help='compress the MCAP chunks with zstd')
    record.add_argument('--queue-depth', type=int, default=10, metavar='N',
                        help='keep-last depth of each subscription [messages] (default 10, as rosbag2)')
    record.add_argument('--use-sim-time', action='store_true', help='stamp messages with /clock time')
    record.set_defaults(run=_record)

    play = commands.add_parser('play', help='publish a bag again (MCAP or sqlite3, written by ros2 bag or by record)')
    play.add_argument('bag', type=Path, help='bag directory, or one .mcap / .db3 file')
    play.add_argument('-r', '--rate', type=float, default=1.0, help='speed factor (2: twice as fast)')
    play.add_argument('-l', '--loop', action='store_true', help='play again from the start until stopped')
    play.add_argument('--start-offset', type=float, default=0.0, metavar='SECONDS',
                      help='start this far into the bag [s]')
    play.add_argument('--topics', nargs='+', metavar='TOPIC', help='play only these topics')
    play.add_argument('--remap', nargs='+', default=[], metavar='FROM:=TO', help='publish topic FROM as TO')
    play.add_argument('--clock', type=float, nargs='?', const=40.0, default=0.0, metavar='HZ',
                      help='publish /clock with the bag time at HZ [Hz] (default 40 when given)')
    play.add_argument('--wait-for-subscribers', type=float, default=0.0, metavar='SECONDS',
                      help='before playing, wait up to SECONDS [s] for every topic to have a subscriber')
    play.add_argument('--delay', type=float, default=0.0, metavar='SECONDS',
                      help='sleep SECONDS [s] before playing (each loop); with --clock, /clock holds the start time')
    play.set_defaults(run=_play)

    info = commands.add_parser('info', help='what a bag holds')
    info.add_argument('bag', type=Path)
    info.add_argument('--check', action='store_true', help='read every message: count them, report damage')
    info.set_defaults(run=_info)
    return parser


if __name__ == '__main__':
    sys.exit(main())
