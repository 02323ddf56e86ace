"""ResNet-18 (He et al. 2016, "Deep Residual Learning", table 1), written here because torchvision is not usable.

The inner width of every basic block (the output channels of its first 3x3 convolution) is a constructor
argument, so structured channel pruning can build a genuinely smaller network with the same topology: those
channels are private to the block (the residual sum only sees the block's output), so removing them needs no
bookkeeping across blocks.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

STAGE_WIDTHS = (64, 128, 256, 512)
BLOCKS_PER_STAGE = (2, 2, 2, 2)


class BasicBlock(nn.Module):
    """conv3x3 - BN - ReLU - conv3x3 - BN, plus the identity (or a 1x1 projection when the shape changes)."""

    def __init__(self, in_channels: int, inner: int, out_channels: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, inner, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(inner)
        self.conv2 = nn.Conv2d(inner, out_channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample: nn.Module | None = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                                            nn.BatchNorm2d(out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet18(nn.Module):
    """ResNet-18 backbone + global average pooling + linear head; `features` gives the pooled 512-d vector."""

    def __init__(self, in_channels: int, num_classes: int, inner_widths: Sequence[int] | None = None) -> None:
        super().__init__()
        n_blocks = sum(BLOCKS_PER_STAGE)
        if inner_widths is None:
            inner_widths = [w for w, k in zip(STAGE_WIDTHS, BLOCKS_PER_STAGE, strict=True) for _ in range(k)]
        if len(inner_widths) != n_blocks or min(inner_widths) < 1:
            raise ValueError(f'inner_widths needs {n_blocks} positive widths, got {list(inner_widths)}')
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.inner_widths = [int(w) for w in inner_widths]
        self.conv1 = nn.Conv2d(in_channels, STAGE_WIDTHS[0], 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(STAGE_WIDTHS[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        blocks: list[nn.Module] = []
        channels, k = STAGE_WIDTHS[0], 0
        for stage, (width, count) in enumerate(zip(STAGE_WIDTHS, BLOCKS_PER_STAGE, strict=True)):
            for i in range(count):
                stride = 2 if stage > 0 and i == 0 else 1
                blocks.append(BasicBlock(channels, self.inner_widths[k], width, stride))
                channels, k = width, k + 1
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)
        self._init_weights()

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        # zero-init the last BN of each block: every block starts as the identity (Goyal et al. 2017)
        for block in self.blocks:
            nn.init.zeros_(block.bn2.weight)

    def stage_outputs(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Feature maps after the stem and after each of the four stages (5 tensors, N x C x h x w)."""
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        outputs = [x]
        k = 0
        for count in BLOCKS_PER_STAGE:
            for _ in range(count):
                x = self.blocks[k](x)
                k += 1
            outputs.append(x)
        return outputs

    def head(self, last_stage: torch.Tensor) -> torch.Tensor:
        """Logits from the last stage's feature map."""
        return self.fc(torch.flatten(self.pool(last_stage), 1))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate features: the globally average-pooled last stage (512-d)."""
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return torch.flatten(self.pool(self.blocks(x)), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x))
