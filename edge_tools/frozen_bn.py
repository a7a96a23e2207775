"""Fine-tuning with BatchNorm statistics kept: one place for the train mode both training tools use."""

from __future__ import annotations

from typing import Any


def training_mode(net: Any) -> None:
    """Train mode, but the BatchNorm layers keep their running statistics (pretrained ones, or folded
    into an exported model's convolutions): small batches of other data would overwrite them."""
    import torch

    net.train()
    for mod in net.modules():
        if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm):
            mod.eval()
