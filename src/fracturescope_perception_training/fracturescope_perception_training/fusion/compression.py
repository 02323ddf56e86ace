"""Compression for the edge: pruning (unstructured and structured), ONNX export, static INT8 quantization.

- L1 unstructured pruning (the seed's step): zeroes the smallest weights. A dense runtime still multiplies the
  zeros, so it buys no speed and no file size; it only makes the weights compress better. We measure exactly that.
- Structured pruning: removes whole inner channels of every residual block, ranked by |BN gamma| x L1 norm of
  the filter (a channel whose BN scale is small contributes little whatever its filter), and builds a genuinely
  narrower ResNet-18 that is then fine-tuned.
- Export with a dynamic batch dimension; outputs `logits` and `ood_distance` (anomaly.ScoredClassifier).
- Static INT8 quantization in QDQ format, calibrated on real fused RGB + thermal pairs (not RGB copied into
  the thermal channel as in the seed). The distance head stays in float: it squares and sums, where 8-bit
  activations would cost the anomaly score its resolution, and it is a negligible share of the compute.
"""

from __future__ import annotations

from collections.abc import Iterator
import io
from pathlib import Path
import warnings
import zlib

from fracturescope_perception.fusion.classifier import INPUT_NAME, OUTPUT_NAMES
import numpy as np
import onnx
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process
import torch
from torch import nn
from torch.nn.utils import prune

from fracturescope_perception_training.fusion.early_fusion import EarlyFusionCNN
from fracturescope_perception_training.fusion.resnet import BasicBlock


def l1_unstructured_prune(model: nn.Module, amount: float) -> float:
    """Zero the `amount` share of smallest-magnitude weights in every Conv2d and Linear (in place, made
    permanent); returns the resulting share of zero weights over those layers."""
    layers = [m for m in model.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    for m in layers:
        prune.l1_unstructured(m, 'weight', amount=amount)
        prune.remove(m, 'weight')
    total = sum(m.weight.numel() for m in layers)
    return sum(int((m.weight == 0).sum()) for m in layers) / total


def state_dict_sizes(model: nn.Module) -> tuple[int, int]:
    """(raw bytes, zlib-compressed bytes) of the serialised weights: what sparsity buys on disk or on the wire."""
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    raw = buffer.getvalue()
    return len(raw), len(zlib.compress(raw, 6))


def channel_importance(block: BasicBlock) -> torch.Tensor:
    """|gamma_c| x ||W1_c||_1 for each inner channel c of a basic block."""
    weight_l1 = block.conv1.weight.detach().abs().sum(dim=(1, 2, 3))
    return block.bn1.weight.detach().abs() * weight_l1


def _copy_bn(dst: nn.BatchNorm2d, src: nn.BatchNorm2d, keep: torch.Tensor | None = None) -> None:
    sel = (lambda t: t) if keep is None else (lambda t: t[keep])
    with torch.no_grad():
        dst.weight.copy_(sel(src.weight))
        dst.bias.copy_(sel(src.bias))
        dst.running_mean.copy_(sel(src.running_mean))
        dst.running_var.copy_(sel(src.running_var))
        dst.num_batches_tracked.copy_(src.num_batches_tracked)


def structured_prune(model: EarlyFusionCNN, keep_ratio: float) -> EarlyFusionCNN:
    """A new, narrower network keeping the `keep_ratio` most important inner channels of every block.

    Everything outside the blocks' inner channels is copied unchanged, so before fine-tuning the pruned
    network computes the same function minus the removed channels' contributions.
    """
    if not 0.0 < keep_ratio <= 1.0:
        raise ValueError('keep_ratio must be in (0, 1]')
    keeps = []
    for block in model.blocks:
        k = max(1, round(block.conv1.out_channels * keep_ratio))
        keeps.append(torch.sort(torch.topk(channel_importance(block), k).indices).values)
    pruned = EarlyFusionCNN(model.num_classes, model.modality, [len(k) for k in keeps])
    with torch.no_grad():
        pruned.conv1.weight.copy_(model.conv1.weight)
        _copy_bn(pruned.bn1, model.bn1)
        pruned.fc.load_state_dict(model.fc.state_dict())
        for new, old, keep in zip(pruned.blocks, model.blocks, keeps, strict=True):
            new.conv1.weight.copy_(old.conv1.weight[keep])
            _copy_bn(new.bn1, old.bn1, keep)
            new.conv2.weight.copy_(old.conv2.weight[:, keep])
            _copy_bn(new.bn2, old.bn2)
            if old.downsample is not None:
                new.downsample.load_state_dict(old.downsample.state_dict())
    return pruned.eval()


def export_onnx(module: nn.Module, path: Path, channels: int, size: int) -> None:
    """ONNX (opset 17) with a dynamic batch; input `pair` N x C x H x W, outputs `logits`, `ood_distance`."""
    module.eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)   # the TorchScript exporter is the one that works here
        torch.onnx.export(module, torch.zeros(1, channels, size, size), str(path), input_names=[INPUT_NAME],
                          output_names=list(OUTPUT_NAMES), opset_version=17, dynamo=False,
                          dynamic_axes={INPUT_NAME: {0: 'batch'}, **{n: {0: 'batch'} for n in OUTPUT_NAMES}})
    onnx.checker.check_model(onnx.load(str(path)))


class PairCalibrationReader(CalibrationDataReader):
    """Feeds preprocessed fused pairs (N x C x H x W float32) to the calibrator, one small batch at a time."""

    def __init__(self, inputs: np.ndarray, batch_size: int = 16) -> None:
        self._inputs = inputs
        self._batch_size = batch_size
        self._iterator = self._batches()

    def _batches(self) -> Iterator[dict[str, np.ndarray]]:
        for i in range(0, len(self._inputs), self._batch_size):
            yield {INPUT_NAME: np.ascontiguousarray(self._inputs[i:i + self._batch_size])}

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._iterator, None)

    def rewind(self) -> None:
        self._iterator = self._batches()


def distance_head_node_names(model_path: Path) -> list[str]:
    """Names of the distance head's nodes: the feature taps (ReduceMean / ReduceMax over space) and every node
    downstream of them. The taps branch off early stages, so topological order cannot separate the head."""
    graph = onnx.load(str(model_path)).graph
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    pending = [n for n in graph.node if n.op_type in ('ReduceMean', 'ReduceMax')]
    head: dict[str, None] = {}
    while pending:
        node = pending.pop()
        if node.name in head:
            continue
        head[node.name] = None
        for output in node.output:
            pending.extend(consumers.get(output, []))
    return list(head)


def quantize_int8(fp32_path: Path, int8_path: Path, calibration_inputs: np.ndarray) -> None:
    """Static QDQ INT8 (per-channel signed 7-bit weights, unsigned activations, min-max calibration on real pairs),
    of the backbone and classifier only.

    Weights keep 7 bits (reduce_range) so that every CPU computes the same integers: x86 without VNNI multiplies
    uint8 x int8 pairs into a saturating int16 (VPMADDUBSW), which 8-bit weights overflow (measured: 0.978 instead
    of 0.994 agreement with FP32 on an AVX2-only EPYC, the same file on a VNNI CPU); 255 x 64 x 2 cannot."""
    prepared = int8_path.with_suffix('.prep.onnx')
    quant_pre_process(str(fp32_path), str(prepared), skip_symbolic_shape=True)
    try:
        quantize_static(
            str(prepared), str(int8_path), PairCalibrationReader(calibration_inputs),
            quant_format=QuantFormat.QDQ, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
            per_channel=True, reduce_range=True, calibrate_method=CalibrationMethod.MinMax,
            nodes_to_exclude=distance_head_node_names(prepared),
        )
    finally:
        prepared.unlink(missing_ok=True)
