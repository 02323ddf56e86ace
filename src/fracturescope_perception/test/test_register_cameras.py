import cv2
from fracturescope_common.image_conversion import celsius_to_centikelvin
from fracturescope_perception.fusion.register_cameras import main, read_points
from fracturescope_perception.fusion.registration import Registration
import numpy as np

# the rig: a 160 x 120 thermal camera whose view lands on the middle of a 1280 x 720 RGB view, slightly rotated
TRUTH = np.array([[6.0, 0.25, 150.0], [-0.2, 6.0, 10.0], [0.0, 0.0, 1.0]])


def _views(shift_mm):
    """A heated 4 x 5 disc grid rendered on the surface plane, seen by both cameras (thermal on a 4x finer plane
    first, so its 160 x 120 pixels integrate like a sensor)."""
    fine = 4
    plane_t = np.full((120 * fine, 160 * fine), 18.0, np.float32)
    for row in range(5):
        for col in range(4):
            centre = (int((30 + 25 * col + shift_mm) * fine), int((15 + 22 * row) * fine))
            cv2.circle(plane_t, centre, 6 * fine, 45.0, -1, cv2.LINE_AA)
    thermal = cv2.resize(plane_t, (160, 120), interpolation=cv2.INTER_AREA)
    to_rgb = TRUTH @ np.array([[1 / fine, 0, 0.5 / fine - 0.5], [0, 1 / fine, 0.5 / fine - 0.5], [0, 0, 1]])
    warm = cv2.warpPerspective(plane_t, to_rgb, (1280, 720), borderValue=18.0)
    rgb = np.full((720, 1280, 3), 200, np.uint8)
    rgb[warm > 31.5] = 40                              # painted black discs: dark in RGB, warm when heated
    return rgb, thermal


def test_heated_grid_views_give_the_rig_homography(tmp_path):
    args = []
    for i, shift in enumerate((0.0, 7.0)):
        rgb, thermal = _views(shift)
        cv2.imwrite(str(tmp_path / f'rgb{i}.png'), rgb[..., ::-1])
        cv2.imwrite(str(tmp_path / f'thermal{i}.png'), celsius_to_centikelvin(thermal))
        args += [str(tmp_path / f'rgb{i}.png'), str(tmp_path / f'thermal{i}.png')]
    out = tmp_path / 'registration.yaml'
    assert main(['--views', *args, '--grid', '4x5', '--out', str(out)]) == 0
    registration = Registration.load(out)
    assert registration.rgb_size == (1280, 720) and registration.thermal_size == (160, 120)
    assert registration.rms_error_px < 2.0
    probe = np.array([[[5.0, 5.0], [155.0, 115.0], [80.0, 60.0]]])
    error = cv2.perspectiveTransform(probe, registration.thermal_to_rgb) - cv2.perspectiveTransform(probe, TRUTH)
    assert np.abs(error).max() < 3.0                   # RGB px, i.e. under half a thermal pixel


def test_points_file_and_clear_errors(tmp_path, capsys):
    rng = np.random.default_rng(0)
    thermal = rng.uniform([0, 0], [160, 120], (12, 2))
    rgb = cv2.perspectiveTransform(thermal[None], TRUTH)[0]
    csv = tmp_path / 'pairs.csv'
    csv.write_text('thermal_x,thermal_y,rgb_x,rgb_y\n' + ''.join(f'{a},{b},{c},{d}\n'
                                                                 for (a, b), (c, d) in zip(thermal, rgb, strict=True)))
    assert np.allclose(read_points(csv)[1], rgb)
    out = tmp_path / 'r.yaml'
    assert main(['--points', str(csv), '--rgb-size', '1280x720', '--thermal-size', '160x120', '--out', str(out)]) == 0
    assert np.allclose(Registration.load(out).thermal_to_rgb, TRUTH, atol=1e-6)
    assert main(['--points', str(csv), '--out', str(out)]) == 1
    assert 'needs --rgb-size' in capsys.readouterr().err
    blank = tmp_path / 'blank.png'
    cv2.imwrite(str(blank), np.zeros((60, 80, 3), np.uint8))
    cv2.imwrite(str(tmp_path / 't.png'), np.full((12, 16), 29315, np.uint16))
    assert main(['--views', str(blank), str(tmp_path / 't.png'), '--out', str(out)]) == 1
    assert 'not found in the thermal and RGB image' in capsys.readouterr().err
