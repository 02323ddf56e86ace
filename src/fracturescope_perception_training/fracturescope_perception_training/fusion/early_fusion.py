"""EarlyFusionCNN: ResNet-18 whose first convolution sees RGB and thermal together (4 channels).

One thermal channel, not the seed's three: the thermal field is one scalar per pixel, and copying it thrice only
triples the first layer's weights for that modality. The same class builds the ablation models (RGB only:
3 channels, thermal only: 1) so the three differ in their input alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from fracturescope_perception.fusion.preprocessing import MODALITY_CHANNELS

from fracturescope_perception_training.fusion.resnet import ResNet18


class EarlyFusionCNN(ResNet18):
    def __init__(self, num_classes: int, modality: str = 'fused', inner_widths: Sequence[int] | None = None) -> None:
        if modality not in MODALITY_CHANNELS:
            raise ValueError(f'unknown modality {modality!r}; expected one of {tuple(MODALITY_CHANNELS)}')
        super().__init__(MODALITY_CHANNELS[modality], num_classes, inner_widths)
        self.modality = modality

    def architecture(self) -> dict:
        """What it takes to rebuild this network (stored in every checkpoint)."""
        return {'num_classes': self.num_classes, 'modality': self.modality, 'inner_widths': self.inner_widths}

    @staticmethod
    def from_architecture(arch: dict) -> EarlyFusionCNN:
        return EarlyFusionCNN(arch['num_classes'], arch['modality'], arch['inner_widths'])
