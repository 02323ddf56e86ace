"""Integration over real DDS, separate processes: simulated RGB + thermal pairs -> defect detector -> ledger, from
launch/sim.launch.xml (what a robot's simulation runs); and bad input straight at the detector, from
launch/perception.launch.xml with the cameras off (as on the robot)."""

import hashlib
from pathlib import Path
import shutil

from fracturescope_bringup.detection_summary import region_figures
from fracturescope_common.image_conversion import numpy_to_image
from fracturescope_common.image_stream import IMAGE_PUBLICATION
from fracturescope_common.image_subscription import READER_RENEWALS
from fracturescope_common.parameter_files import read_node_parameters, set_node_parameters
from fracturescope_common.qos import RECORDING, RELIABLE_EVENTS
from fracturescope_common.stamps import to_ns
from fracturescope_perception.diagnostics_contract import (
    ANOMALY_THRESHOLD,
    DEFECT_DETECTOR,
    DEFECT_THRESHOLD,
    FRAME_REFUSED,
    PAIR_REJECTED,
    RGB_RECEIVED,
    THERMAL_RECEIVED,
    UNPAIRED,
)
from fracturescope_perception.fusion.classifier import FusionClassifier
from fracturescope_perception.fusion.frame_tiles import Tiling
from fracturescope_perception.fusion.registration import Registration
from fracturescope_perception.fusion.site_calibration import SiteThresholds
from fracturescope_sim.diagnostics_contract import FAULT, SURFACE_CAMERA
from fracturescope_sim.surface_camera import SurfaceCamera, SurfaceCameraConfig
from fracturescope_sim.surfaces.frame import CLASSES
from fracturescope_testing.graph_monitor import watch_graph
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launched_graph import launched
import numpy as np
import pytest
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import Image
from std_msgs.msg import Header
import yaml

from fracturescope_msgs.msg import DefectDetection, GroundTruthLabel, LedgerBlock
from fracturescope_msgs.srv import CalibrateSite

REPO_ROOT = Path(__file__).resolve().parents[2]
MODEL_CARD = REPO_ROOT / 'src' / 'fracturescope_perception' / 'models' / 'fusion' / 'fusion.card.json'
pytestmark = pytest.mark.integration
PAIRS = 40
MAX_DROPPED = 2         # camera frames the detector may not receive (best effort) before it is a failure
CAMERA_RATE_HZ = '2.0'   # not the simulator's 5 Hz: on a slow 2-core machine the whole graph once gave 38 of 40 in time
MIN_FRAME_RECALL = 0.5   # held-out family, 40 frames: far below the benchmark's figure, yet not chance


def simulated_camera() -> SurfaceCamera:
    """The surface camera as config/sim.yaml sets it up."""
    p = read_node_parameters(REPO_ROOT / 'config' / 'sim.yaml', 'surface_camera')
    return SurfaceCamera(SurfaceCameraConfig(
        p['seed'], dict(zip(CLASSES, p['class_weights'], strict=True)), p['unseen_fraction'], p['fault_fraction'],
        p['family'], p['width'], p['height'], p['thermal_width'], p['thermal_height'], p['mm_per_px'],
        p['max_defects']))


def node_detector() -> FusionClassifier:
    """The detector library as config/perception.yaml sets the node up."""
    p = read_node_parameters(REPO_ROOT / 'config' / 'perception.yaml', 'defect_detector')
    return FusionClassifier(MODEL_CARD, tiling=Tiling(p['tile_size_px'], p['tile_overlap'], p['min_tile_seen'],
                                                      p['min_view_seen'], p['min_region_tiles'],
                                                      p['dense_inference']))


def test_simulated_pairs_become_correct_detections_and_ledger_blocks(tmp_path, graph_env):
    with launched(REPO_ROOT / 'launch' / 'sim.launch.xml',
                  {'ledger_dir': str(tmp_path / 'ledger'), 'edge_eye': 'false', 'camera_frames': str(PAIRS),
                   'camera_rate_hz': CAMERA_RATE_HZ},
                  env=graph_env, log_dir=tmp_path / 'logs') as graph:
        probe = GraphProbe(graph_env, 'perception_probe')
        try:
            # as the ledger reads them: this probe starts after the graph, and the cameras do not wait for it
            detections = probe.collect(DefectDetection, 'defects', RECORDING)
            truth = probe.collect(GroundTruthLabel, 'camera/ground_truth', RECORDING)
            blocks = probe.collect(LedgerBlock, 'ledger/blocks', RELIABLE_EVENTS)
            observed = watch_graph(probe)

            last = {}

            def settled():
                if not (observed.reported(SURFACE_CAMERA) and observed.reported(DEFECT_DETECTOR)):
                    return False
                faults = sum(observed.read(SURFACE_CAMERA).family(FAULT).values())
                # frames the detector never received: best-effort camera QoS drops them on a loaded machine (at
                # most MAX_DROPPED; each costs at most one pair)
                detector = observed.read(DEFECT_DETECTOR)
                dropped = 2 * PAIRS - detector[RGB_RECEIVED] - detector[THERMAL_RECEIVED]
                last.update(faults=faults, dropped=dropped)
                return len(truth) == PAIRS and dropped <= MAX_DROPPED and \
                    PAIRS - faults - dropped <= len(detections) <= PAIRS - faults and \
                    sum(b.record_type == 'defect' for b in blocks) == len(detections)
            assert probe.spin_until(settled, 90.0), \
                f'{len(truth)} truths, {len(detections)} detections, {len(blocks)} blocks, {last}'
            by_stamp = {to_ns(t.header.stamp): t for t in truth}
            pairs = [(d, by_stamp[to_ns(d.header.stamp)]) for d in detections]
            for d, t in pairs:
                assert list(d.image_sha256) == list(t.image_sha256) and len(d.image_sha256) == 2
                assert list(d.image_topics) == ['camera/rgb/image_raw', 'camera/thermal/image_raw']
                assert 0 < (d.image_stamps[1].nanosec - d.image_stamps[0].nanosec) % 10**9 < 20_000_000
                assert np.isclose(sum(d.scores), 1.0, atol=1e-4) and d.model_id.startswith('fusion-resnet18-')
            # The scenes are a function of (seed, index): the node must label each pair exactly as the library does
            # on the same frame, and find most defects the ground truth names.
            library = node_detector()
            camera = simulated_camera()
            ordered = sorted(truth, key=lambda m: to_ns(m.header.stamp))
            detected = {to_ns(d.header.stamp): d for d in detections}
            for index, t in enumerate(ordered):
                frame = camera.frame(index)
                assert (frame.label, frame.fault or frame.variant) == (t.label, t.variant)
                if to_ns(t.header.stamp) in detected:
                    node, own = detected[to_ns(t.header.stamp)], library.detect(frame.rgb, frame.thermal)
                    assert node.label == own.label and len(node.regions) == len(own.regions)
            figures = region_figures(pairs)
            assert figures['frame_recall'] >= MIN_FRAME_RECALL, figures
            recorded = {tuple(b.image_sha256) for b in blocks if b.record_type == 'defect'}
            assert recorded == {tuple(d.image_sha256) for d in detections}
            assert all(graph.alive().values())
        finally:
            probe.close()


def _pair_images(stamp_ns: int, rgb_shape=(64, 64), thermal_shape=(64, 64)) -> tuple[Image, Image]:
    header = Header(frame_id='camera')
    header.stamp.sec, header.stamp.nanosec = divmod(stamp_ns, 10**9)
    rng = np.random.default_rng(stamp_ns % 1000)
    rgb = numpy_to_image(rng.integers(90, 160, (*rgb_shape, 3), dtype=np.uint8), 'rgb8', header)
    thermal = numpy_to_image((20 + rng.normal(0, 0.1, thermal_shape)).astype(np.float32), '32FC1', header)
    return rgb, thermal


def test_bad_input_is_refused_with_a_reason_and_the_node_keeps_classifying(tmp_path, graph_env):
    config = tmp_path / 'config'
    shutil.copytree(REPO_ROOT / 'config', config)
    settings = yaml.safe_load((config / 'perception.yaml').read_text())
    set_node_parameters(settings, 'defect_detector', max_image_bytes=100_000)   # an oversized frame DDS delivers
    (config / 'perception.yaml').write_text(yaml.safe_dump(settings))
    with launched(REPO_ROOT / 'launch' / 'perception.launch.xml', {'simulate_cameras': 'false',
                                                                   'config_dir': str(config)},
                  env=graph_env, log_dir=tmp_path / 'logs') as graph:
        probe = GraphProbe(graph_env, 'bad_input_probe')
        try:
            detections = probe.collect(DefectDetection, 'defects', RELIABLE_EVENTS)
            observed = watch_graph(probe)
            rgb_out = probe.node.create_publisher(Image, 'camera/rgb/image_raw', IMAGE_PUBLICATION)
            thermal_out = probe.node.create_publisher(Image, 'camera/thermal/image_raw', IMAGE_PUBLICATION)
            assert probe.spin_until(lambda: rgb_out.get_subscription_count() and
                                    thermal_out.get_subscription_count(), 30.0), 'detector never subscribed'
            t0 = probe.node.get_clock().now().nanoseconds

            sent = {RGB_RECEIVED: 0, THERMAL_RECEIVED: 0}

            def send(rgb, thermal):
                # one frame at a time, each taken by the node before the next: camera QoS keeps only the newest
                # two frames for a reader, and a loaded machine must not turn that into a lost test frame; the
                # reader is best effort and drops what comes before it has matched us
                for publisher, image, counter in ((rgb_out, rgb, RGB_RECEIVED),
                                                  (thermal_out, thermal, THERMAL_RECEIVED)):
                    if image is None:
                        continue
                    sent[counter] += 1
                    taken = lambda c=counter: observed.at_least(DEFECT_DETECTOR, c, sent[c])  # noqa: E731
                    # again after 5 s, well after a taken frame shows in /diagnostics (1 s): no duplicates
                    assert probe.publish_until([(publisher, image)], taken, 20.0, retry_s=5.0), sent

            def now():  # frames stamped when sent, as a camera does: the detector refuses stale stamps
                return probe.node.get_clock().now().nanoseconds

            rgb, thermal = _pair_images(t0)
            send(rgb, thermal)                                      # a good pair
            rgb, thermal = _pair_images(now())
            thermal.encoding = 'bgr8'
            send(rgb, thermal)                                      # wrong encoding
            rgb, thermal = _pair_images(now(), thermal_shape=(64, 40))
            send(rgb, thermal)                                      # another view: size mismatch
            rgb, thermal = _pair_images(now())
            nan = np.frombuffer(thermal.data, np.float32).copy()
            nan[100] = np.nan
            thermal.data = nan.tobytes()
            send(rgb, thermal)                                      # NaN temperature
            rgb, thermal = _pair_images(now())
            thermal.data = b''
            send(rgb, thermal)                                      # empty data
            rgb, _ = _pair_images(now())
            send(rgb, None)                                         # missing partner
            rgb, thermal = _pair_images(now())
            hot = np.frombuffer(thermal.data, np.float32).copy()
            hot[7] = 3e38
            thermal.data = hot.tobytes()
            send(rgb, thermal)                                      # a temperature no sensor reports
            rgb, _ = _pair_images(now())
            rgb.header.stamp.sec = 2_147_483_647
            send(rgb, None)                                         # stamped 2038: refused at the door
            huge, _ = _pair_images(now(), rgb_shape=(256, 256))     # 196,608 B: over max_image_bytes
            send(huge, None)                                        # refused; its reader is made anew (memory back)
            assert probe.spin_until(lambda: observed.at_least(DEFECT_DETECTOR, READER_RENEWALS, 1), 20.0)
            last_rgb, last_thermal = _pair_images(now())
            send(last_rgb, last_thermal)                            # and a good pair after all that
            assert probe.spin_until(lambda: len(detections) >= 2 and
                                    observed.at_least(DEFECT_DETECTOR, UNPAIRED['rgb_no_partner'], 1), 20.0), \
                observed.statuses.get('/defect_detector')
            assert [d.image_sha256[0] for d in detections] == [
                hashlib.sha256(_pair_images(t0)[0].data).hexdigest(), hashlib.sha256(last_rgb.data).hexdigest()]
            rejected = observed.read(DEFECT_DETECTOR).family(PAIR_REJECTED)
            assert {reason: n for reason, n in rejected.items() if n} == {
                'bad_thermal_image': 2, 'size_mismatch': 1, 'nan_temperature': 1, 'temperature_out_of_range': 1}
            refused = observed.read(DEFECT_DETECTOR).family(FRAME_REFUSED)
            assert {reason: n for reason, n in refused.items() if n} == {'rgb_stamp_in_future': 1, 'rgb_too_large': 1}
            assert all(graph.alive().values())
        finally:
            probe.close()


@pytest.mark.parametrize('rgb_size, thermal_size, encoding', [((1280, 720), (160, 120), '32FC1'),
                                                              ((1920, 1080), (640, 512), 'mono16')])
def test_cameras_of_other_resolution_and_view_are_registered_and_tiled(tmp_path, graph_env, rgb_size, thermal_size,
                                                                       encoding):
    """A 4:3 or 5:4 thermal camera beside a 16:9 RGB one (as robots carry them), registered by a calibration file,
    16-bit frames at 0.04 K per count, from best-effort drivers (REP-2003 sensor data QoS): the detector looks
    where both see and reports regions in RGB pixels."""
    scale = rgb_size[1] / thermal_size[1]            # the thermal view spans the RGB view's height, centred
    offset = (rgb_size[0] - thermal_size[0] * scale) / 2
    registration = Registration(np.array([[scale, 0, offset + 0.5 * scale - 0.5], [0, scale, 0.5 * scale - 0.5],
                                          [0, 0, 1.0]]), rgb_size, thermal_size)
    config = tmp_path / 'config'
    shutil.copytree(REPO_ROOT / 'config', config)
    registration.save(config / 'camera_registration.yaml')
    settings = yaml.safe_load((config / 'perception.yaml').read_text())
    set_node_parameters(
        settings, 'defect_detector', registration_file=str(config / 'camera_registration.yaml'),
        tile_size_px=rgb_size[1] // 4, thermal_kelvin_per_count=0.04, thermal_count_offset_c=-273.15)
    (config / 'perception.yaml').write_text(yaml.safe_dump(settings))
    with launched(REPO_ROOT / 'launch' / 'perception.launch.xml', {'simulate_cameras': 'false',
                                                                   'config_dir': str(config)},
                  env=graph_env, log_dir=tmp_path / 'logs') as graph:
        probe = GraphProbe(graph_env, 'geometry_probe')
        try:
            detections = probe.collect(DefectDetection, 'defects', RELIABLE_EVENTS)
            rgb_out = probe.node.create_publisher(Image, 'camera/rgb/image_raw', qos_profile_sensor_data)
            thermal_out = probe.node.create_publisher(Image, 'camera/thermal/image_raw', qos_profile_sensor_data)
            assert probe.spin_until(lambda: rgb_out.get_subscription_count() and
                                    thermal_out.get_subscription_count(), 30.0), 'detector never subscribed'
            header = Header(frame_id='camera')
            header.stamp = probe.node.get_clock().now().to_msg()
            rng = np.random.default_rng(5)
            rgb = rng.integers(90, 160, (rgb_size[1], rgb_size[0], 3), dtype=np.uint8)
            celsius = 21.0 + rng.normal(0, 0.05, (thermal_size[1], thermal_size[0]))
            counts = np.round((celsius + 273.15) / 0.04).astype(np.uint16)
            thermal = celsius.astype(np.float32) if encoding == '32FC1' else counts
            pair = [(rgb_out, numpy_to_image(rgb, 'rgb8', header)),
                    (thermal_out, numpy_to_image(thermal, encoding, header))]
            assert probe.publish_until(pair, lambda: len(detections) >= 1, 60.0, retry_s=3.0), 'no detection'
            d = detections[0]
            seen = d.inspected_roi
            assert abs(seen.x_offset - offset) <= 2 and seen.y_offset == 0 and seen.height == rgb_size[1]
            assert abs(seen.width - thermal_size[0] * scale) <= 4
            for region in d.regions:
                assert seen.x_offset - 1 <= region.roi.x_offset and \
                    region.roi.x_offset + region.roi.width <= seen.x_offset + seen.width + 1
            assert all(graph.alive().values())
        finally:
            probe.close()


def test_a_site_calibration_asked_of_the_running_node_writes_the_site_file(tmp_path, graph_env):
    """The node's ~/calibrate_site service, as an operator would call it on the robot: it refuses too few frames at
    once, then takes the next clean pairs from the cameras and writes the site file with its configured anomaly
    share of the false-alarm budget, for the model it runs."""
    site_file = tmp_path / 'site.yaml'
    share = read_node_parameters(REPO_ROOT / 'config' / 'perception.yaml', 'defect_detector')['site_anomaly_share']
    with launched(REPO_ROOT / 'launch' / 'perception.launch.xml', {'simulate_cameras': 'false'},
                  env=graph_env, log_dir=tmp_path / 'logs') as graph:
        probe = GraphProbe(graph_env, 'site_probe')
        try:
            detections = probe.collect(DefectDetection, 'defects', RELIABLE_EVENTS)
            observed = watch_graph(probe)
            too_few = probe.call(CalibrateSite, 'defect_detector/calibrate_site',
                                 CalibrateSite.Request(frames=5, false_alarm_rate=0.1, save_path=str(site_file)), 60.0)
            assert too_few is not None and not too_few.accepted and 'at least 20' in too_few.message
            answer = probe.call(CalibrateSite, 'defect_detector/calibrate_site',
                                CalibrateSite.Request(frames=20, false_alarm_rate=0.1, save_path=str(site_file)))
            assert answer is not None and answer.accepted, answer
            rgb_out = probe.node.create_publisher(Image, 'camera/rgb/image_raw', qos_profile_sensor_data)
            thermal_out = probe.node.create_publisher(Image, 'camera/thermal/image_raw', qos_profile_sensor_data)
            rng = np.random.default_rng(11)
            for _ in range(200):
                if site_file.exists():
                    break
                header = Header(frame_id='camera')
                header.stamp = probe.node.get_clock().now().to_msg()
                rgb = np.clip(160 + rng.normal(0, 12, (180, 320, 3)), 0, 255).astype(np.uint8)
                thermal = (24.0 + rng.normal(0, 0.1, (180, 320))).astype(np.float32)
                rgb_out.publish(numpy_to_image(rgb, 'rgb8', header))
                thermal_out.publish(numpy_to_image(thermal, '32FC1', header))
                probe.spin_until(site_file.exists, 0.4)
            assert site_file.exists(), f'no site file after {len(detections)} detections'
            thresholds = SiteThresholds.load(site_file)
            assert thresholds.frames == 20 and thresholds.anomaly_share == share
            assert thresholds.model_id == node_detector().model_id

            def applied() -> bool:   # the running node reports the thresholds it wrote (diagnostics: 3 decimals)
                if not observed.reported(DEFECT_DETECTOR):
                    return False
                reading = observed.read(DEFECT_DETECTOR)
                return [f'{v:.3f}' for v in (reading[ANOMALY_THRESHOLD], reading[DEFECT_THRESHOLD])] == [
                    f'{v:.3f}' for v in (thresholds.anomaly_threshold, thresholds.defect_threshold)]
            assert probe.spin_until(applied, 15.0), 'the node does not report the calibrated thresholds'
            assert all(graph.alive().values())
        finally:
            probe.close()
