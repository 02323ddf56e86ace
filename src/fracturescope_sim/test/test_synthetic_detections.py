from collections import Counter
import math

from fracturescope_sim.synthetic_detections import MALFORMATIONS, DetectionSynthesizer
import pytest

CLASSES = ('crack', 'corrosion', 'leak', 'none')


def synthesizer(seed=1, accuracy=0.9, anomaly_fraction=0.0, malformed_fraction=0.0):
    return DetectionSynthesizer(CLASSES, (1, 1, 1, 1), accuracy, anomaly_fraction, 0.7, malformed_fraction, seed)


def test_same_seed_same_stream_other_seed_other_stream():
    a = [synthesizer(3).next() for _ in range(20)]
    b = [synthesizer(3).next() for _ in range(20)]
    c = [synthesizer(4).next() for _ in range(20)]
    assert a == b
    assert a != c


def test_accuracy_and_scores():
    stream = synthesizer(accuracy=0.8)
    detections = [stream.next() for _ in range(2000)]
    right = sum(d.label == d.truth for d in detections) / len(detections)
    assert 0.76 < right < 0.84
    for d in detections[:50]:
        assert math.isclose(sum(d.scores), 1.0, rel_tol=1e-9)
        assert d.confidence == d.scores[CLASSES.index(d.label)]
        assert len(d.image_sha256) == 2 and all(len(h) == 64 for h in d.image_sha256)
    assert len({d.image_sha256[0] for d in detections}) == len(detections)  # every frame differs


def test_unseen_types_are_reported_as_anomaly():
    stream = synthesizer(anomaly_fraction=0.5)
    detections = [stream.next() for _ in range(400)]
    unseen = [d for d in detections if d.truth == 'anomaly']
    assert 150 < len(unseen) < 250
    assert sum(d.label == 'anomaly' for d in unseen) / len(unseen) > 0.9
    assert all(d.confidence == d.anomaly_score for d in detections if d.label == 'anomaly')


def test_malformed_share_and_kinds():
    stream = synthesizer(malformed_fraction=0.5)
    kinds = Counter(d.malformation for d in (stream.next() for _ in range(600)))
    assert set(kinds) == {None, *MALFORMATIONS}
    assert 240 < kinds[None] < 360


def test_rejects_bad_configuration():
    with pytest.raises(ValueError):
        DetectionSynthesizer(CLASSES, (1, 1), 0.9, 0.0, 0.7, 0.0, 1)
    with pytest.raises(ValueError):
        DetectionSynthesizer(CLASSES, (1, 1, 1, 1), 1.5, 0.0, 0.7, 0.0, 1)
