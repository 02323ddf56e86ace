"""The run-time fusion classifier on the shipped model: everything from the card, bad pairs refused with a reason,
INT8 agreeing with FP32, accuracy on fresh pairs close to the card's figure."""

import json
from pathlib import Path

from fracturescope_common.image_conversion import celsius_to_centikelvin, centikelvin_to_celsius
from fracturescope_perception.fusion.classifier import FusionClassifier
from fracturescope_perception_training.fusion.evaluate import classification_report
from fracturescope_sim.concrete_synthesis import CLASSES, UNSEEN_TYPES, SynthesisConfig, synthesize
import numpy as np
import pytest

ALL_KINDS = CLASSES + UNSEEN_TYPES   # the kind index of the seed triple the reference names
MODELS = Path(__file__).resolve().parents[2] / 'fracturescope_perception' / 'models' / 'fusion'
CARD = MODELS / 'fusion.card.json'


@pytest.fixture(scope='module')
def card() -> dict:
    return json.loads(CARD.read_text())


@pytest.fixture(scope='module')
def classifier() -> FusionClassifier:
    return FusionClassifier(CARD, threads=1)


def _config(card: dict) -> SynthesisConfig:
    synthesis = card['training']['synthesis']
    return SynthesisConfig(**synthesis)


def test_everything_comes_from_the_card(classifier, card) -> None:
    assert classifier.classes == card['classes']
    assert classifier.size == card['input']['size']
    assert classifier.variant == card['default_variant']
    assert classifier.anomaly_threshold == card['variants'][card['default_variant']]['anomaly_threshold']
    assert classifier.model_id == f"{card['name']}-{card['default_variant']}@{card['version']}"
    with pytest.raises(ValueError, match='no variant'):
        FusionClassifier(CARD, variant='fp16')


def test_classification_is_consistent(classifier, card) -> None:
    sample = synthesize('crack', (99, 0, 1), _config(card))
    result = classifier.detect(sample.rgb, sample.thermal)
    assert np.isclose(result.probabilities.sum(), 1.0, atol=1e-5)
    assert 0.0 <= result.anomaly_score <= 1.0 and result.inference_ms > 0
    assert result.is_anomaly == (result.anomaly_score > classifier.anomaly_threshold)
    if result.is_anomaly:
        assert result.label == card['anomaly_label'] and result.confidence == result.anomaly_score
    else:
        assert result.label == classifier.classes[int(np.argmax(result.probabilities))]
    # a camera at another resolution (same view) gets the same preprocessing result up to resampling
    native = card['training']['synthesis']['thermal_native']
    coarse = sample.thermal.reshape(native, sample.thermal.shape[0] // native, native, -1).mean(axis=(1, 3))
    assert classifier.detect(sample.rgb, coarse).label in classifier.classes + [card['anomaly_label']]


@pytest.mark.parametrize('variant', ['int8', 'pruned_int8'])
def test_int8_agrees_with_fp32_on_test_pairs(card, variant) -> None:
    """The FP32 predictions were saved by the build on test pairs the synthesizer regenerates from their seeds.
    INT8 is the FP32 network quantized: >= 98 % agreement. The pruned INT8 is a narrower network fine-tuned on its
    own: it agrees as well as its card says (measured there on the whole test split)."""
    classifier = FusionClassifier(CARD, variant=variant, threads=1)
    config = _config(card)
    with np.load(MODELS / card['fp32_reference']) as reference:
        kinds, ids, seed = reference['kinds'], reference['ids'], int(reference['split_seed'])
        fp32 = reference['fp32_predicted']
    predicted = []
    for kind, index in zip(kinds, ids, strict=True):
        sample = synthesize(str(kind), (seed, ALL_KINDS.index(str(kind)), int(index)), config)
        thermal = centikelvin_to_celsius(celsius_to_centikelvin(sample.thermal))   # as the data set stores it
        predicted.append(int(np.argmax(classifier.detect(sample.rgb, thermal).probabilities)))
    agreement = float(np.mean(np.array(predicted) == fp32))
    expected = 0.98 if variant == 'int8' else card['variants'][variant]['metrics_test']['agreement_with_fp32'] - 0.03
    assert agreement >= expected, f'{variant} agrees with FP32 on {agreement:.1%} of {len(fp32)} test pairs'


def test_fresh_pairs_are_classified_about_as_well_as_the_card_says(classifier, card) -> None:
    """Pairs from a generator seed no split used: the shipped model's macro-F1 within 8 points of its card."""
    config = _config(card)
    truth, predicted = [], []
    for kind in CLASSES:
        for i in range(40):
            sample = synthesize(kind, (424242, CLASSES.index(kind), i), config)
            result = classifier.detect(sample.rgb, sample.thermal)
            truth.append(CLASSES.index(kind))
            predicted.append(int(np.argmax(result.probabilities)))
    report = classification_report(np.array(truth), np.array(predicted), list(CLASSES))
    expected = card['variants'][card['default_variant']]['metrics_test']['macro_f1']
    assert report['macro']['f1'] >= expected - 0.08, (report['macro']['f1'], expected)
    unseen = [classifier.detect(*_pair(synthesize(kind, (424243, 0, i), config))).is_anomaly
              for kind in UNSEEN_TYPES for i in range(10)]
    assert np.mean(unseen) >= 0.5, f'only {np.mean(unseen):.0%} of unseen defect types flagged as anomalies'


def _pair(sample):
    return sample.rgb, sample.thermal
