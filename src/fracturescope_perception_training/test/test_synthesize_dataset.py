import json

from fracturescope_common.image_conversion import celsius_to_centikelvin, centikelvin_to_celsius
from fracturescope_perception_training.fusion.dataset_files import load_manifest, pair_paths, read_pair
from fracturescope_perception_training.fusion.synthesize_dataset import main, split_seed, write_dataset
from fracturescope_sim.concrete_synthesis import CLASSES, UNSEEN_TYPES, SynthesisConfig, synthesize
import numpy as np

CONFIG = SynthesisConfig(size=32, thermal_native=8)
COUNTS = {'train': 3, 'val': 2, 'test': 2}


def test_centikelvin_round_trip_and_saturation():
    t = np.array([-20.0, 0.0, 21.337, 150.0], np.float32)
    assert np.allclose(centikelvin_to_celsius(celsius_to_centikelvin(t)), t, atol=0.006)
    assert celsius_to_centikelvin(np.array([-300.0, 1000.0])).tolist() == [0, 65535]


def test_layout_manifest_and_worker_count_independence(tmp_path):
    one = write_dataset(tmp_path / 'a', CONFIG, COUNTS, 1, base_seed=3, workers=1, progress=False)
    two = write_dataset(tmp_path / 'b', CONFIG, COUNTS, 1, base_seed=3, workers=2, progress=False)
    other = write_dataset(tmp_path / 'c', CONFIG, COUNTS, 1, base_seed=4, workers=1, progress=False)
    assert one['data_sha256'] == two['data_sha256'] != other['data_sha256']
    assert one['counts']['train'] == {c: 3 for c in CLASSES}
    assert one['counts']['ood'] == {t: 1 for t in UNSEEN_TYPES}
    assert len(set(one['split_seeds'].values())) == 4
    assert load_manifest(tmp_path / 'a') == json.loads(json.dumps(one))
    for kind, sample_id, variant in one['samples']['val']:
        rgb, thermal = read_pair(*pair_paths(tmp_path / 'a', 'val', kind, sample_id))
        expected = synthesize(kind, (split_seed(3, 'val'), (CLASSES + UNSEEN_TYPES).index(kind), int(sample_id)),
                              CONFIG)
        assert expected.variant == variant
        assert np.array_equal(rgb, expected.rgb)
        assert np.abs(thermal - expected.thermal).max() <= 0.006


def test_cli_writes_the_requested_counts(tmp_path, capsys):
    main(['--out', str(tmp_path), '--size', '32', '--thermal-native', '8', '--train-per-class', '2',
          '--val-per-class', '1', '--test-per-class', '1', '--ood-per-type', '1', '--workers', '1'])
    manifest = load_manifest(tmp_path)
    assert sum(manifest['counts']['train'].values()) == 8
    assert manifest['data_sha256'] in capsys.readouterr().out
    assert len(list((tmp_path / 'train' / 'crack' / 'thermal').glob('*.png'))) == 2
