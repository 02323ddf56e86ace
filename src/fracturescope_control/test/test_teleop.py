"""The teleop CLI without a graph: usage errors, key generation, and the message it would publish."""

import os
import signal
import stat
import subprocess
import sys

from fracturescope_common.operator_commands import MANUAL, CommandSigner, CommandVerifier, fields_of
from fracturescope_control.teleop import Delivery, main, to_message
from fracturescope_launch.isolation import isolated_ros_env
import pytest

from fracturescope_control import teleop as teleop_module


def test_keygen_creates_a_private_key_and_refuses_to_overwrite(tmp_path, capsys):
    key = tmp_path / 'op.pem'
    assert main(['keygen', str(key)]) == 0
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600 and (tmp_path / 'op.pem.pub').is_file()
    assert 'trusted_operator_keys' in capsys.readouterr().out
    assert main(['keygen', str(key)]) == 2


def test_usage_errors_exit_2_before_touching_the_graph(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv('FRACTURESCOPE_OPERATOR_KEY', raising=False)
    monkeypatch.delenv('FRACTURESCOPE_OPERATOR', raising=False)
    key = tmp_path / 'op.pem'
    main(['keygen', str(key)])
    assert main(['--key', str(key), '--issuer', 'alice', 'manual', '30']) == 2        # two numbers needed
    assert main(['--key', str(key), '--issuer', 'alice', 'manual', '30', 'fast']) == 2
    assert main(['stop']) == 2                                                          # no key, no issuer
    assert main(['--key', str(tmp_path / 'absent.pem'), '--issuer', 'alice', 'stop']) == 2
    assert 'required' in capsys.readouterr().err


def test_the_published_message_verifies_at_the_receiver(tmp_path):
    signer = CommandSigner.from_key_file(tmp_path / 'op.pem', 'alice', create=True)
    public = bytes.fromhex((tmp_path / 'op.pem.pub').read_text())
    receiver = CommandVerifier({'alice': public}, 10.0, 2.0, 10)
    fields = signer.sign(MANUAL, (31.5, 29.0), 'control')
    msg = to_message(fields)
    assert fields_of(msg) == fields
    assert receiver.check(fields_of(msg)).accepted


SUBSCRIBER = '''
import sys, time, rclpy
from fracturescope_common.qos import RELIABLE_EVENTS
from fracturescope_msgs.msg import OperatorCommand
rclpy.init()
node = rclpy.create_node('listener')
node.create_subscription(OperatorCommand, 'operator/command', lambda m: None, RELIABLE_EVENTS)
print('ready', flush=True)
rclpy.spin(node)
'''


@pytest.mark.integration
def test_delivered_to_a_live_subscriber_and_not_sent_to_a_frozen_one(tmp_path):
    """A real subscriber in another process acknowledges (0, "delivered"); a frozen one (SIGSTOP) is never discovered
    by a new teleop, which then says it did not send (1), rather than that nobody acknowledged."""
    env = isolated_ros_env()
    key = tmp_path / 'op.pem'
    main(['keygen', str(key)])
    listener = subprocess.Popen([sys.executable, '-c', SUBSCRIBER], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert listener.stdout.readline().strip() == 'ready'
        teleop = [sys.executable, '-m', 'fracturescope_control.teleop', '--key', str(key), '--issuer', 'alice']
        delivered = subprocess.run([*teleop, '--wait', '10', 'stop'], env=env, capture_output=True, text=True,
                                   timeout=60)
        assert delivered.returncode == 0 and 'delivered to 1 subscriber' in delivered.stdout, delivered.stderr
        listener.send_signal(signal.SIGSTOP)
        frozen = subprocess.run([*teleop, '--wait', '3', 'stop'], env=env, capture_output=True, text=True,
                                timeout=60)
        assert frozen.returncode == 1 and 'not sent' in frozen.stderr, frozen.stderr
    finally:
        listener.send_signal(signal.SIGCONT)
        listener.kill()
        listener.wait()


def test_published_but_not_acknowledged_is_told_apart(tmp_path, monkeypatch, capsys):
    """Exit 3 and what it says. The DDS side (a matched subscriber that stops acknowledging between match and
    publish) cannot be staged deterministically, so publish() is replaced here by its result."""
    key = tmp_path / 'op.pem'
    main(['keygen', str(key)])
    monkeypatch.setattr(teleop_module, 'publish', lambda msg, topic, wait_s: Delivery(2, False))
    assert main(['--key', str(key), '--issuer', 'alice', 'estop']) == 3
    assert 'published to 2 subscriber(s), not acknowledged by all' in capsys.readouterr().err


def test_subscriptions_that_can_never_match_are_not_waited_for():
    """An e-stop must not wait out --wait for a subscriber with an incompatible QoS (or of another type)."""
    from fracturescope_common.qos import RELIABLE_EVENTS
    from fracturescope_control.teleop import can_match
    from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
    assert can_match(RELIABLE_EVENTS, RELIABLE_EVENTS)
    assert can_match(RELIABLE_EVENTS, QoSProfile(depth=1, reliability=ReliabilityPolicy.BEST_EFFORT))
    assert not can_match(RELIABLE_EVENTS, QoSProfile(depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL))
    assert not can_match(QoSProfile(depth=1, reliability=ReliabilityPolicy.BEST_EFFORT), RELIABLE_EVENTS)
