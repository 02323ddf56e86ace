"""shared_memory: Fast DDS segments of dead processes removed, those of living ones and every port file kept."""

import fcntl
import os
from pathlib import Path
import signal
import subprocess
import sys
import time

from fracturescope_launch.isolation import isolated_ros_env
from fracturescope_launch.shared_memory import LOCK_SUFFIX, SHM_DIR, owner_alive, remove_orphaned_segments
import pytest

# A participant that publishes its name on `chat` and prints the names it hears, once a second.
PEER = '''
import sys, time
import rclpy
from std_msgs.msg import String
rclpy.init()
node = rclpy.create_node('peer_' + sys.argv[1])
publisher = node.create_publisher(String, 'chat', 10)
heard = set()
node.create_subscription(String, 'chat', lambda m: heard.add(m.data), 10)
said = 0.0
while True:
    publisher.publish(String(data=sys.argv[1]))
    rclpy.spin_once(node, timeout_sec=0.05)
    if time.monotonic() - said > 1.0:
        said = time.monotonic()
        print(' '.join(sorted(heard)), flush=True)
'''


def _files(directory: Path, *names: str, age_s: float = 60.0) -> None:
    for name in names:
        (directory / name).write_bytes(b'')
        os.utime(directory / name, (time.time() - age_s,) * 2)


def test_only_unlocked_old_segments_are_removed(tmp_path):
    _files(tmp_path, 'fastdds_dead', 'fastdds_dead_el', 'fastdds_alive', 'fastdds_alive_el',
           'fastdds_port7411', 'fastdds_port7411_el', 'sem.fastdds_port7411_mutex', 'other_el')
    _files(tmp_path, 'fastdds_young', 'fastdds_young_el', age_s=0.0)
    with open(tmp_path / 'fastdds_alive_el', 'rb') as held:
        fcntl.flock(held, fcntl.LOCK_EX)   # as its living owner does
        removed = remove_orphaned_segments(tmp_path, min_age_s=5.0)
    assert sorted(p.name for p in removed) == ['fastdds_dead', 'fastdds_dead_el']
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([
        'fastdds_alive', 'fastdds_alive_el', 'fastdds_port7411', 'fastdds_port7411_el',
        'sem.fastdds_port7411_mutex', 'other_el', 'fastdds_young', 'fastdds_young_el'])


def _segments() -> dict[str, bool]:
    """Every participant segment in /dev/shm and whether a living process holds it."""
    return {p.name: owner_alive(SHM_DIR / f'{p.name}{LOCK_SUFFIX}') for p in SHM_DIR.glob('fastdds_*')
            if not p.name.startswith('fastdds_port') and not p.name.endswith(LOCK_SUFFIX)}


class Peer:
    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.process = subprocess.Popen([sys.executable, '-c', PEER, name], env=env, stdout=subprocess.PIPE,
                                        text=True)

    def hears(self, name: str, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if name in line.split():
                return True
        return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.mark.integration
def test_a_killed_participants_segments_are_removed_and_living_peers_still_talk():
    """Real Fast DDS participants: SIGKILL leaves segments (the leak); the clean-up removes exactly those, keeps the
    living peer's, and the living peer still hears a participant started after the clean-up."""
    env = isolated_ros_env()
    living, killed = Peer('living', env), Peer('killed', env)
    try:
        assert living.hears('killed', 30.0) and killed.hears('living', 30.0)
        held = {name for name, alive in _segments().items() if alive}
        killed.process.send_signal(signal.SIGKILL)
        killed.process.wait()
        left = {name for name, alive in _segments().items() if not alive}
        assert left & held, 'the killed participant left no segment behind'
        removed = {p.name for p in remove_orphaned_segments(min_age_s=0.0)}
        assert removed == left | {f'{name}{LOCK_SUFFIX}' for name in left}
        assert set(_segments()) == held - left                   # the living peer's segments are kept
        later = Peer('later', env)
        try:
            assert living.hears('later', 30.0) and later.hears('living', 30.0)
        finally:
            later.stop()
    finally:
        living.stop()
        killed.stop()
