"""Training on your own data: a small folder in the documented pair-folder layout, from scratch and fine-tuned."""

import json

import cv2
from fracturescope_common.image_conversion import celsius_to_centikelvin
from fracturescope_perception_training.fusion.own_data import main
from fracturescope_sim.surfaces import renderer
from fracturescope_sim.surfaces.frame import FrameSpec
import pytest
import torch


def write_folder(root, frames_per_group=5):
    """Frames of one surface family written as a user would: PNGs, 16-bit centikelvin thermal, JSON boxes."""
    render = renderer('aggregate')
    kinds = [(), ('crack',), ('leak',), ('corrosion',), ('crack', 'leak')]
    for g, group in enumerate(('train', 'val', 'test')):
        folder = root / group
        folder.mkdir(parents=True)
        for i in range(frames_per_group):
            frame = render(100 * g + i, FrameSpec(320, 240, 80, 60, kinds[i % len(kinds)], 0.4))
            cv2.imwrite(str(folder / f'f{i}.rgb.png'), frame.rgb[..., ::-1])
            cv2.imwrite(str(folder / f'f{i}.thermal.png'), celsius_to_centikelvin(frame.thermal_c))
            regions = [{'label': r.kind, 'box': list(r.box)} for r in frame.regions]
            (folder / f'f{i}.json').write_text(json.dumps({'regions': regions}))


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def test_own_folder_trains_a_model_whose_card_names_the_data(tmp_path, one_thread, capsys):
    write_folder(tmp_path / 'data')
    args = ['--data', str(tmp_path / 'data'), '--work', str(tmp_path / 'work'), '--epochs', '1',
            '--finetune-epochs', '1', '--threads', '1', '--tile-size-px', '96']
    main([*args, '--models', str(tmp_path / 'scratch')])
    card = json.loads((tmp_path / 'scratch' / 'fusion.card.json').read_text())
    training = card['training']
    assert training['own_data'] == str(tmp_path / 'data') and len(training['own_data_sha256']) == 64
    assert training['fine_tuned_from'] is None and training['tiles_per_group']['train'] > 10
    assert set(card['variants']['pruned_int8']['metrics_test']) == {'own'}
    assert 'test macro-F1' in capsys.readouterr().out
    main([*args, '--models', str(tmp_path / 'tuned'), '--init', str(tmp_path / 'work' / 'fused' / 'best_loss.pt')])
    tuned = json.loads((tmp_path / 'tuned' / 'fusion.card.json').read_text())
    assert tuned['training']['fine_tuned_from'].endswith('best_loss.pt')
    assert tuned['normalisation']['rgb_mean'] == card['normalisation']['rgb_mean']   # kept from the checkpoint


def test_unlabelled_or_unknown_labels_are_refused(tmp_path, one_thread):
    write_folder(tmp_path / 'data', frames_per_group=2)
    (tmp_path / 'data' / 'train' / 'f1.json').write_text(json.dumps({'regions': [{'label': 'graffiti',
                                                                                   'box': [0, 0, 9, 9]}]}))
    with pytest.raises(ValueError, match='graffiti'):
        main(['--data', str(tmp_path / 'data'), '--models', str(tmp_path / 'm'), '--work', str(tmp_path / 'w')])
    (tmp_path / 'data' / 'train' / 'f1.json').unlink()
    with pytest.raises(ValueError, match='no f1.json'):
        main(['--data', str(tmp_path / 'data'), '--models', str(tmp_path / 'm'), '--work', str(tmp_path / 'w')])
