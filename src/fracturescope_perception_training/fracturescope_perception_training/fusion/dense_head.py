"""A tile classifier's ONNX file -> the same network run once over a whole frame grid (a dense head).

The detector cuts a frame into tiles of the network's input size, half a tile apart, and runs the network on each:
every pixel goes through the convolutions four times. Run once over the whole grid instead, the convolutions are
shared, and every reduction over a tile becomes a pooling window of the tile's size, moved by the tile stride:
- the classifier's global average pool -> an average pool of (tile / stride of that map) cells, one cell apart;
- each distance layer's spatial mean and max -> average and max pools of the tile's size on that map;
- the rest of the head (fully connected layer, Mahalanobis distances) runs per window, as it ran per tile.
Outputs are per window, row by row: logits (windows x classes) and ood_distance (windows); one frame per call.

Not the same numbers as tiles: near a window's border the convolutions see the neighbouring surface where a tile
saw zero padding. On a grid the size of one tile the two are identical (tested); on whole frames the difference is
measured (benchmarks/fusion_benchmark.py). Works on the FP32 and the QDQ INT8 graphs alike: only the reductions and
the flatten before the fully connected layer are replaced, the quantized convolutions are left as they are.

    fracturescope-densify-fusion --models src/fracturescope_perception/models/fusion
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

CARD_FILE = 'fusion.card.json'


def _spatial_sizes(model: onnx.ModelProto) -> dict[str, tuple[int, int]]:
    """Channels and height of every 4-D tensor of the tile graph (shape inference at the tile's input size)."""
    inferred = onnx.shape_inference.infer_shapes(model)
    sizes = {}
    for info in list(inferred.graph.value_info) + list(inferred.graph.input):
        dims = info.type.tensor_type.shape.dim
        if len(dims) == 4 and all(d.HasField('dim_value') for d in dims[1:]):
            sizes[info.name] = (dims[1].dim_value, dims[2].dim_value)
    return sizes


def densify(tile_model: onnx.ModelProto, tile_px: int, stride_px: int) -> onnx.ModelProto:
    """The dense graph of `tile_model` (input 1 x C x H x W, H and W multiples of `stride_px`, at least `tile_px`):
    one output row per window of `tile_px`, `stride_px` apart."""
    model = onnx.ModelProto()
    model.CopyFrom(tile_model)
    graph = model.graph
    sizes = _spatial_sizes(model)
    rows_shapes: list[onnx.TensorProto] = []

    def per_window(name: str, channels: int, out: str) -> list[onnx.NodeProto]:
        """N x C x H' x W' -> (N H' W') x C, windows row by row, as the tile head's N x C."""
        shape = f'{out}_rows_shape'
        rows_shapes.append(numpy_helper.from_array(np.array([-1, channels], np.int64), shape))
        return [helper.make_node('Transpose', [name], [f'{out}_cells_last'], perm=[0, 2, 3, 1]),
                helper.make_node('Reshape', [f'{out}_cells_last', shape], [out])]

    def window(tensor: str) -> tuple[int, int, int]:
        channels, height = sizes[tensor]
        stride_of_map = tile_px // height
        if stride_px % stride_of_map:
            raise ValueError(f'{tensor}: a stride of {stride_px} px is not a whole number of its cells '
                             f'({stride_of_map} px)')
        return channels, tile_px // stride_of_map, stride_px // stride_of_map

    nodes: list[onnx.NodeProto] = []
    replaced = {'pool': 0, 'reductions': 0}
    for node in graph.node:
        if node.op_type in ('ReduceMean', 'ReduceMax'):
            channels, kernel, stride = window(node.input[0])
            pooled = f'{node.output[0]}_windows'
            nodes.append(helper.make_node('AveragePool' if node.op_type == 'ReduceMean' else 'MaxPool',
                                          [node.input[0]], [pooled], kernel_shape=[kernel] * 2, strides=[stride] * 2))
            nodes += per_window(pooled, channels, node.output[0])
            replaced['reductions'] += 1
        elif node.op_type == 'GlobalAveragePool':
            _, kernel, stride = window(node.input[0])
            nodes.append(helper.make_node('AveragePool', list(node.input), list(node.output),
                                          kernel_shape=[kernel] * 2, strides=[stride] * 2))
            replaced['pool'] += 1
        elif node.op_type == 'Flatten':
            nodes += per_window(node.input[0], sizes[node.input[0]][0], node.output[0])
        else:
            nodes.append(node)
    if replaced['pool'] != 1 or not replaced['reductions']:
        raise ValueError(f'not a tile classifier with a distance head: replaced {replaced}')
    del graph.node[:]
    graph.node.extend(nodes)
    graph.initializer.extend(rows_shapes)
    for axis, dim in enumerate(graph.input[0].type.tensor_type.shape.dim):
        if axis == 0:
            dim.Clear()
            dim.dim_value = 1
        elif axis >= 2:
            dim.Clear()
            dim.dim_param = ('height', 'width')[axis - 2]
    for output in graph.output:
        output.type.tensor_type.shape.dim[0].Clear()
        output.type.tensor_type.shape.dim[0].dim_param = 'windows'
    del graph.value_info[:]
    onnx.checker.check_model(model)
    return model


def add_dense_files(models: Path, variants: list[str] | None = None, stride_share: float = 0.5) -> dict:
    """Write a dense file beside each of `variants` of the card in `models` (None: its default variant), windows
    `stride_share` of a tile apart, and record them in the card; returns the card."""
    card_path = models / CARD_FILE
    card = json.loads(card_path.read_text())
    tile_px = int(card['input']['size'])
    stride_px = round(tile_px * stride_share)
    for name in variants or [card['default_variant']]:
        spec = card['variants'][name]
        dense_name = spec['file'].removesuffix('.onnx') + '_dense.onnx'
        onnx.save(densify(onnx.load(models / spec['file']), tile_px, stride_px), models / dense_name)
        spec['dense_file'] = dense_name
        spec['dense_file_bytes'] = (models / dense_name).stat().st_size
    card['dense'] = {'window_px': tile_px, 'stride_px': stride_px,
                     'how': 'the variant\'s network over the whole grid once: tile reductions become pooling windows '
                            '(fracturescope_perception_training.fusion.dense_head); inputs 1 x C x H x W with H, W '
                            f'multiples of {stride_px}; outputs per window, row by row. Thresholds are the tile '
                            'calibration\'s: recalibrate per site'}
    card_path.write_text(json.dumps(card, indent=1))
    return card


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--models', type=Path, required=True, help='folder of the card and its ONNX files')
    parser.add_argument('--variants', nargs='+', help="variants to densify (default: the card's default variant)")
    args = parser.parse_args(argv)
    card = add_dense_files(args.models, args.variants)
    for name, spec in card['variants'].items():
        if 'dense_file' in spec:
            print(f"{name:12s} {spec['dense_file']} ({spec['dense_file_bytes'] / 1e6:.1f} MB)")


if __name__ == '__main__':
    main()
