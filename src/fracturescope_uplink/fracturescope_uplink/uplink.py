"""What the uplink node does, without ROS: observations in, alerts durably into the outbox, each tied to the ledger
block that recorded the same finding.

A defect or thermal alert waits up to `ledger_wait_s` in the outbox (on disk already) for its ledger block, so the
operator gets the block index and hash with it, and a defect alert also for the annotated frame that becomes its
thumbnail (published after the detection). Whatever has not come by then, the alert goes without (the image SHA-256
and source stamp still identify the block)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
import json
import time
from typing import Any

import numpy as np

from fracturescope_uplink.alert_rules import ChangeWatch, Debounce, DefectRule, EdgeLossWatch
from fracturescope_uplink.alert_schema import PRIORITY, encode, new_alert, with_ledger
from fracturescope_uplink.outbox import AddResult, Outbox
from fracturescope_uplink.thumbnails import jpeg_thumbnail

NS_PER_S = 1_000_000_000
_RECENT_BLOCKS = 512   # blocks that may arrive before the alert of the same finding
BlockKey = tuple[str, int, str]   # record type, source stamp (ns), first image SHA-256
CHECKPOINT_SENT = 'checkpoint_sent_tree_size'   # outbox state: the proof of the next checkpoint alert starts there
CHECKPOINT_SENT_DETAILS = 'checkpoint_sent'      # ... and that checkpoint alert's details (JSON)


@dataclass
class _Pending:
    """An alert in the outbox held back for its ledger block and, for a defect, its thumbnail."""

    seq: int
    alert: dict[str, Any]
    since_s: float
    needs_block: bool = True
    needs_image: bool = False
    keys: list[object] = field(default_factory=list)


@dataclass(frozen=True)
class DefectObservation:
    stamp_ns: int
    label: str
    confidence: float
    anomaly_score: float
    is_anomaly: bool
    location: str
    image_sha256: tuple[str, ...]
    model_id: str
    regions: tuple[dict[str, Any], ...]
    requested_by: str = ''     # an operator's inspect-again request this pair answers: its issuer and nonce
    request_nonce: int = 0


@dataclass(frozen=True)
class ThermalObservation:
    stamp_ns: int
    label: str
    alert: bool
    anomaly_probability: float
    max_temperature_c: float
    installation_id: str
    hot_spots: tuple[dict[str, Any], ...]
    image_sha256: str
    model_id: str


@dataclass(frozen=True)
class UplinkSettings:
    robot_id: str
    defect_rule: DefectRule
    repeat_s: float            # the same finding alerts again after this long [s]
    edge_loss_after_s: float   # Edge-Eye without a usable edge this long alerts [s]
    ledger_wait_s: float       # an alert waits this long for its ledger block [s]
    checkpoint_period_s: float  # at most one checkpoint alert per period [s]
    thumbnail_max_px: int      # 0: no thumbnails
    thumbnail_max_bytes: int


class Uplink:
    def __init__(self, settings: UplinkSettings, outbox: Outbox,
                 wall_ns: Callable[[], int] = time.time_ns) -> None:
        self.settings, self.outbox, self._wall_ns = settings, outbox, wall_ns
        self._debounce = Debounce(settings.repeat_s)
        self._edge_loss = EdgeLossWatch(settings.edge_loss_after_s)
        self._mode = ChangeWatch()
        self._checkpoint: dict[str, Any] | None = None
        self._last_checkpoint_alert_s = -float('inf')
        self._unsent_checkpoint: tuple[dict[str, Any], int] | None = None
        self._pending: dict[object, _Pending] = {}   # block key, and ('image', stamp) for a defect -> its alert
        self._recent_blocks: OrderedDict[BlockKey, tuple[int, str]] = OrderedDict()
        self.alerts_made = dict.fromkeys(PRIORITY, 0)

    @property
    def latest_checkpoint(self) -> dict[str, Any] | None:
        return self._checkpoint

    @property
    def suppressed_repeats(self) -> int:
        return self._debounce.suppressed

    def defect(self, d: DefectObservation, now_s: float) -> AddResult | None:
        """A finding the rule alerts on, once per repeat_s; an answer to an operator's request always (the
        operator asked, "none" included)."""
        if not d.requested_by:
            if not self.settings.defect_rule.alerts(d.label, d.confidence, d.anomaly_score):
                return None
            if not self._debounce.allow(('defect', d.location, d.label), now_s):
                return None
        details = {'location': d.location, 'anomaly_score': round(d.anomaly_score, 6), 'is_anomaly': d.is_anomaly,
                   'image_sha256': list(d.image_sha256), 'model_id': d.model_id, 'regions': list(d.regions)}
        if d.requested_by:
            details['request'] = {'issuer': d.requested_by, 'nonce': d.request_nonce}
        key = ('defect', d.stamp_ns, d.image_sha256[0] if d.image_sha256 else '')
        return self._add_pending('defect', key, d.stamp_ns, d.label, d.confidence, details, now_s,
                                 image_stamp_ns=d.stamp_ns if self.settings.thumbnail_max_px > 0 else None)

    def wants_image(self, stamp_ns: int) -> bool:
        """Whether a defect alert waits for the frame of stamp `stamp_ns` (only those are worth converting)."""
        pending = self._pending.get(('image', stamp_ns))
        return pending is not None and pending.needs_image

    def frame_image(self, stamp_ns: int, image: np.ndarray, now_s: float) -> bool:
        """The (annotated) RGB frame of stamp `stamp_ns`: the thumbnail of the defect alert about it, if one waits
        for it. True if a thumbnail was stored."""
        if not self.wants_image(stamp_ns):
            return False
        pending = self._pending[('image', stamp_ns)]
        jpeg = jpeg_thumbnail(image, self.settings.thumbnail_max_px, self.settings.thumbnail_max_bytes)
        stored = jpeg is not None and self.outbox.set_thumbnail(pending.seq, jpeg)
        pending.needs_image = False
        self._release_if_complete(pending)
        return stored

    def thermal(self, t: ThermalObservation, now_s: float) -> AddResult | None:
        if not t.alert or not self._debounce.allow(('thermal', t.installation_id, t.label), now_s):
            return None
        details = {'installation_id': t.installation_id, 'anomaly_probability': round(t.anomaly_probability, 6),
                   'max_temperature_c': round(t.max_temperature_c, 3), 'hot_spots': list(t.hot_spots),
                   'image_sha256': t.image_sha256, 'model_id': t.model_id}
        key = ('thermal', t.stamp_ns, t.image_sha256)
        return self._add_pending('thermal', key, t.stamp_ns, t.label, t.anomaly_probability, details, now_s)

    def edges(self, usable: bool, status: str, stamp_ns: int, now_s: float) -> AddResult | None:
        change = self._edge_loss.feed(usable, now_s)
        if change is None:
            return None
        label, seconds = change
        return self._add('edge_loss', stamp_ns, label, None, {'lost_for_s': round(seconds, 3), 'last_status': status})

    def control(self, mode: str, controller: str, f_left_hz: float, f_right_hz: float,
                stamp_ns: int) -> AddResult | None:
        change = self._mode.feed(mode)
        if change is None:
            return None
        return self._add('control', stamp_ns, mode, None, {'mode': mode, 'previous_mode': change[0],
                                                          'controller': controller, 'f_left_hz': f_left_hz,
                                                          'f_right_hz': f_right_hz})

    def note_checkpoint(self, checkpoint: dict[str, Any], stamp_ns: int) -> None:
        """A signed ledger checkpoint arrived: later alerts reference it, and it is the next one to send. An empty
        one (a ledger that signed nothing yet, or refuses its file) is not a checkpoint."""
        if not checkpoint.get('signature') or not checkpoint.get('tree_size'):
            return
        self._checkpoint = {k: checkpoint[k] for k in ('tree_size', 'root_hash', 'key_id')}
        self._unsent_checkpoint = (dict(checkpoint), stamp_ns)

    def checkpoint_to_send(self, now_s: float) -> tuple[dict[str, Any], int, int] | None:
        """The newest checkpoint not sent yet, once a period has passed since the last one sent (the last of a burst
        is sent too, at the period's end): (checkpoint, its stamp, the tree size of the last checkpoint sent, where
        its consistency proof must start; 0: none sent)."""
        if self._unsent_checkpoint is None or now_s - self._last_checkpoint_alert_s < self.settings.checkpoint_period_s:
            return None
        (checkpoint, stamp_ns), self._unsent_checkpoint = self._unsent_checkpoint, None
        self._last_checkpoint_alert_s = now_s
        return checkpoint, stamp_ns, int(self.outbox.state(CHECKPOINT_SENT) or 0)

    def checkpoint_alert(self, checkpoint: dict[str, Any], stamp_ns: int,
                         consistency: dict[str, Any] | None) -> AddResult:
        """The checkpoint alert, with the RFC 9162 proof that the last checkpoint sent is a prefix of this one
        ({first_size, first_root_hash, proof}; None: none sent before, or the ledger gave no proof)."""
        details = {**checkpoint, 'consistency': consistency}
        result = self._add('checkpoint', stamp_ns, 'checkpoint', None, details)
        if result.accepted:
            self.outbox.set_state(CHECKPOINT_SENT, str(int(checkpoint['tree_size'])))
            self.outbox.set_state(CHECKPOINT_SENT_DETAILS, json.dumps(details, separators=(',', ':')))
        return result

    @property
    def checkpoint_sent(self) -> dict[str, Any] | None:
        """The details of the last checkpoint alert made (in the retained status: a receiver that subscribes late,
        or lost it, starts witnessing from there)."""
        stored = self.outbox.state(CHECKPOINT_SENT_DETAILS)
        return json.loads(stored) if stored else None

    def ledger_block(self, record_type: str, source_stamp_ns: int, image_sha256: str, index: int,
                     block_hash: str) -> bool:
        """A block is durable in the ledger: the alert waiting for it gets its index (and goes, unless it still waits
        for its thumbnail). True if an alert was waiting for it."""
        key = (record_type, source_stamp_ns, image_sha256)
        pending = self._pending.get(key)
        if pending is None:
            self._recent_blocks[key] = (index, block_hash)
            while len(self._recent_blocks) > _RECENT_BLOCKS:
                self._recent_blocks.popitem(last=False)
            return False
        pending.alert = with_ledger(pending.alert, index, block_hash, self._checkpoint)
        pending.needs_block = False
        self.outbox.update(pending.seq, encode(pending.alert))
        self._release_if_complete(pending)
        return True

    def forget_overdue(self, now_s: float) -> int:
        """Alerts that waited longer than ledger_wait_s went without what they waited for (the outbox let them go)."""
        overdue = {id(p): p for p in self._pending.values() if now_s - p.since_s > self.settings.ledger_wait_s}
        for pending in overdue.values():
            self._forget(pending)
        return len(overdue)

    def _release_if_complete(self, pending: _Pending) -> None:
        if not pending.needs_block and not pending.needs_image:
            self.outbox.update(pending.seq, ready_ns=self._wall_ns())
            self._forget(pending)

    def _forget(self, pending: _Pending) -> None:
        for key in pending.keys:
            self._pending.pop(key, None)

    def _add_pending(self, kind: str, key: BlockKey, stamp_ns: int, label: str, confidence: float,
                     details: dict[str, Any], now_s: float, image_stamp_ns: int | None = None) -> AddResult:
        alert = new_alert(self.settings.robot_id, kind, stamp_ns, label, confidence, details, finding=key[2])
        block = self._recent_blocks.pop(key, None)
        alert = with_ledger(alert, *(block or (None, None)), self._checkpoint)
        pending = _Pending(0, alert, now_s, needs_block=block is None, needs_image=image_stamp_ns is not None)
        waits = pending.needs_block or pending.needs_image
        result = self._store(alert, self._wall_ns() + (int(self.settings.ledger_wait_s * NS_PER_S) if waits else 0))
        if result.accepted and waits:
            pending.seq = result.seq
            pending.keys = [key] + ([('image', image_stamp_ns)] if pending.needs_image else [])
            for k in pending.keys:
                self._pending[k] = pending
        return result

    def _add(self, kind: str, stamp_ns: int, label: str, confidence: float | None,
             details: dict[str, Any]) -> AddResult:
        alert = with_ledger(new_alert(self.settings.robot_id, kind, stamp_ns, label, confidence, details), None, None,
                            self._checkpoint)
        return self._store(alert, self._wall_ns())

    def _store(self, alert: dict[str, Any], ready_ns: int) -> AddResult:
        result = self.outbox.add(alert['alert_id'], alert['kind'], PRIORITY[alert['kind']], encode(alert), None,
                                 ready_ns)
        if result.accepted:
            self.alerts_made[alert['kind']] += 1
        return result


def status_summary(uplink: Uplink, link_counters: Any, connected: bool, in_flight: int) -> dict[str, Any]:
    """The retained status message's fields (and /diagnostics values)."""
    stats = uplink.outbox.stats()
    return {'link': {'connected': connected, 'connects': link_counters.connects,
                     'published': link_counters.published, 'acknowledged': link_counters.acknowledged,
                     'in_flight': in_flight, 'bytes_sent': link_counters.bytes_sent,
                     'thumbnails_left_out': link_counters.thumbnails_left_out},
            'outbox': {'queued': stats.queued, 'bytes': stats.queued_bytes, 'by_kind': stats.queued_by_kind,
                       'dropped': {f'{kind}/{what}': n for (kind, what), n in stats.drops.items()}},
            'alerts_made': dict(uplink.alerts_made), 'repeats_suppressed': uplink.suppressed_repeats,
            'checkpoint': uplink.latest_checkpoint, 'checkpoint_sent': uplink.checkpoint_sent}
