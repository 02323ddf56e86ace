"""fracturescope-teleop: sign an operator command with the operator's Ed25519 key and publish it.

    fracturescope-teleop --key ~/.fracturescope/op.pem --issuer alice estop
    fracturescope-teleop --key ... --issuer alice manual 31.5 29.0        # Hz, left right
    fracturescope-teleop --key ... --issuer alice set_standard 250 1750   # mm, left right
    fracturescope-teleop keygen ~/.fracturescope/op.pem                   # new key (0600) + .pub to trust

Exit status: 0 published and acknowledged by every subscriber, 1 nobody subscribed, 3 published but not acknowledged
by every subscriber in time (a subscriber of a process that died stays matched until its DDS lease runs out, so the
command may well have been obeyed: roll_command and /diagnostics tell), 2 usage or key error. The receiver decides
whether to obey (trusted key, fresh, not replayed).
"""

import argparse
from dataclasses import dataclass
import os
import sys
import time

from fracturescope_common.keys import key_id, load_or_create_private_key, raw_public_key
from fracturescope_common.operator_commands import COMMAND_CODES, CommandFields, CommandSigner
from fracturescope_common.qos import RELIABLE_EVENTS
from fracturescope_common.stamps import from_ns
import rclpy
from rclpy.duration import Duration
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from rclpy.signals import SignalHandlerOptions

from fracturescope_msgs.msg import OperatorCommand

ARGUMENT_COUNT = {'stop': 0, 'resume': 0, 'estop': 0, 'inspect_again': 0, 'manual': 2, 'set_standard': 2}


def to_message(fields: CommandFields) -> OperatorCommand:
    return OperatorCommand(command=fields.command, args=list(fields.args), target=fields.target,
                           issuer=fields.issuer, issued_at=from_ns(fields.issued_at_ns), nonce=fields.nonce,
                           signature=list(fields.signature))


@dataclass(frozen=True)
class Delivery:
    subscribers: int             # matched when it was published; 0: not published
    acknowledged: bool           # by every one of them, within the wait


def matchable_subscribers(node: Node, topic: str) -> int:
    """Subscriptions on `topic` the graph knows of that our publisher can match: OperatorCommand, and asking no
    more reliability or durability than we offer (rclpy's qos_check_compatible also refuses a discovered
    subscription's "infinite" deadline against our default one, so the two policies are compared here)."""
    return sum(1 for info in node.get_subscriptions_info_by_topic(topic)
               if info.topic_type == 'fracturescope_msgs/msg/OperatorCommand'
               and can_match(RELIABLE_EVENTS, info.qos_profile))


def can_match(offered: QoSProfile, requested: QoSProfile) -> bool:
    """Whether a writer offering `offered` matches a reader requesting `requested` (reliability, durability)."""
    if requested.reliability == ReliabilityPolicy.RELIABLE and offered.reliability == ReliabilityPolicy.BEST_EFFORT:
        return False
    return not (requested.durability == DurabilityPolicy.TRANSIENT_LOCAL
                and offered.durability == DurabilityPolicy.VOLATILE)


def publish(msg: OperatorCommand, topic: str, wait_s: float) -> Delivery:
    """Publish once something subscribes, then wait up to `wait_s` in all for every subscriber's acknowledgement."""
    context = rclpy.Context()
    rclpy.init(context=context, signal_handler_options=SignalHandlerOptions.NO)
    try:
        node = rclpy.create_node('teleop', context=context)
        publisher = node.create_publisher(OperatorCommand, topic, RELIABLE_EVENTS)
        deadline = time.monotonic() + wait_s
        # Publish only when every subscriber the graph knows of is matched: one matched later would miss the
        # command (volatile) and hold up the acknowledgement of the others, reading as a failure. Subscriptions
        # that can never match (another type, incompatible QoS) are not waited for.
        while time.monotonic() < deadline and not 0 < matchable_subscribers(node, topic) <= \
                publisher.get_subscription_count():
            time.sleep(0.01)
        subscribers = publisher.get_subscription_count()
        if subscribers == 0:
            return Delivery(0, False)
        publisher.publish(msg)
        return Delivery(subscribers,
                        publisher.wait_for_all_acked(Duration(seconds=max(deadline - time.monotonic(), 0.1))))
    finally:
        rclpy.try_shutdown(context=context)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog='fracturescope-teleop', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--key', default=os.environ.get('FRACTURESCOPE_OPERATOR_KEY'),
                        help='operator Ed25519 private key, PEM (default: $FRACTURESCOPE_OPERATOR_KEY)')
    parser.add_argument('--issuer', default=os.environ.get('FRACTURESCOPE_OPERATOR'),
                        help='operator id the receivers trust this key under (default: $FRACTURESCOPE_OPERATOR)')
    parser.add_argument('--target', default='control', help='receiver addressed; "" for all (default: control)')
    parser.add_argument('--topic', default='operator/command')
    parser.add_argument('--wait', type=float, default=5.0, help='seconds to wait for a subscriber and its ack')
    parser.add_argument('command', choices=[*ARGUMENT_COUNT, 'keygen'])
    parser.add_argument('values', nargs='*', help='Hz for manual, mm for set_standard; a key path for keygen')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.command == 'keygen':
        if len(args.values) != 1 or os.path.exists(args.values[0]):
            print('keygen takes the path of a key file that does not exist yet', file=sys.stderr)
            return 2
        public = raw_public_key(load_or_create_private_key(args.values[0]))
        print(f'{args.values[0]} (0600) and {args.values[0]}.pub: key {key_id(public)}; trust it with '
              f'"<issuer>:{public.hex()}" in trusted_operator_keys')
        return 0
    try:
        values = [float(v) for v in args.values]
        if len(values) != ARGUMENT_COUNT[args.command]:
            raise ValueError(f'{args.command} takes {ARGUMENT_COUNT[args.command]} number(s)')
        if not args.key or not args.issuer:
            raise ValueError('--key and --issuer (or their environment variables) are required')
        signer = CommandSigner.from_key_file(args.key, args.issuer)
    except (ValueError, OSError) as error:
        print(f'fracturescope-teleop: {error}', file=sys.stderr)
        return 2
    fields = signer.sign(COMMAND_CODES[args.command], values, args.target)
    delivery = publish(to_message(fields), args.topic, args.wait)
    if delivery.subscribers == 0:
        print(f'{args.command}: nobody subscribes to {args.topic} (waited {args.wait:g} s); not sent', file=sys.stderr)
        return 1
    sent = f'{args.command} {" ".join(args.values)} signed by {args.issuer} (nonce {fields.nonce})'
    if not delivery.acknowledged:
        print(f'{sent} published to {delivery.subscribers} subscriber(s), not acknowledged by all within '
              f'{args.wait:g} s (one may belong to a process that died); whether it was obeyed shows on '
              'roll_command and /diagnostics', file=sys.stderr)
        return 3
    print(f'{sent} delivered to {delivery.subscribers} subscriber(s)')
    return 0


def run() -> None:
    sys.exit(main())


if __name__ == '__main__':
    run()
