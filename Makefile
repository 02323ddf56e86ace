# The two commands of README.md. Both do all set-up first (scripts/setup.sh, idempotent).
.PHONY: run test setup benchmark clean model cross-generator regression

# Run the simulated line and inspection end to end and print a summary (DURATION in s). WATCH=1 adds the Foxglove
# bridge (address printed) and records the run into a bag (both cost the 2-core build machine control latency).
DURATION ?= 30
WATCH ?= 0
run: setup
	scripts/run_main.sh --duration $(DURATION) $(if $(filter 1,$(WATCH)),--foxglove --record-bag)

# Every test: unit, integration over real DDS between processes, linters.
test: setup
	scripts/test.sh

setup:
	scripts/setup.sh

benchmark: setup
	bash -c 'source scripts/env.sh && python benchmarks/ledger_benchmark.py && python benchmarks/ledger_node_benchmark.py && python benchmarks/control_benchmark.py && python benchmarks/closed_loop_benchmark.py && python benchmarks/edge_eye_benchmark.py && python benchmarks/edge_eye_install_benchmark.py && python benchmarks/edge_eye_node_benchmark.py && python benchmarks/fusion_benchmark.py && python benchmarks/image_qos_benchmark.py && python benchmarks/foxglove_bridge_benchmark.py && python benchmarks/uplink_benchmark.py && python benchmarks/fleet_benchmark.py && python benchmarks/fleet_benchmark.py --postgres --rates 10,40 && python benchmarks/make_readme.py'

clean:
	rm -rf build install log var

# Rebuild the shipped models from nothing: tiles of the training surface families -> training -> compression ->
# ONNX + card, then the thermal monitor (long: see src/fracturescope_perception/README.md).
model: setup
	bash -c 'source scripts/env.sh && nice -n 10 python -m fracturescope_perception_training.fusion.build_model --work var/fusion \
	  --models src/fracturescope_perception/models/fusion --no-progress && \
	  python -m fracturescope_perception_training.thermal_monitor.train --out src/fracturescope_perception/models/thermal_monitor'

# Cross-generator evidence: train on each surface family and on both, evaluate on every family (the held-out one too).
cross-generator: setup
	bash -c 'source scripts/env.sh && nice -n 10 python -m fracturescope_perception_training.fusion.cross_generator \
	  --work var/cross_generator --out benchmarks/results/cross_generator.json --no-progress'

# The regression suite: every bag in regression/bags replayed through the robot's perception nodes and compared with
# its expected outputs (src/fracturescope_regression/README.md; the short bags also run inside `make test`).
regression: setup
	bash -c 'source scripts/env.sh && fracturescope-regression run --bags regression/bags'
