"""Small CNN for 32 x 24 equipment frames: cold / warm / hot / anomaly.

Absolute temperature is the information here (cold, warm and hot differ by it), so the input is the frame in
degC with a fixed offset and scale, not a per-frame contrast. The head is a linear layer over the flattened
6 x 8 map rather than a global pool: whether a hot spot is an anomaly depends on *where* it is (a known hot
point or not), and pooling would discard the position.
"""

from __future__ import annotations

from fracturescope_perception.thermal_monitor.sensor import HEIGHT, WIDTH
import torch
from torch import nn


def _conv(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ThermalMonitorNet(nn.Module):
    def __init__(self, num_classes: int = 4) -> None:
        super().__init__()
        self.body = nn.Sequential(_conv(1, 16, 1), _conv(16, 32, 2), _conv(32, 32, 2))
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(32 * (HEIGHT // 4) * (WIDTH // 4), num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(torch.flatten(self.body(x), 1)))


class WithSoftmax(nn.Module):
    """Export wrapper: the shipped model outputs probabilities, which the alert threshold applies to."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.model(x), dim=1)
