"""Backbones (ResNet-50/101/18 from torchvision, a micro CNN) + FPN giving P2..P5 (spec §1), and
the input normalisation every architecture shares."""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import Tensor, nn
from torchvision import models
from torchvision.ops import FeaturePyramidNetwork, FrozenBatchNorm2d

LEVELS: tuple[str, ...] = ("p2", "p3", "p4", "p5")
_RESNETS = {
    "resnet18": (models.resnet18, models.ResNet18_Weights, (64, 128, 256, 512)),
    "resnet50": (models.resnet50, models.ResNet50_Weights, (256, 512, 1024, 2048)),
    "resnet101": (models.resnet101, models.ResNet101_Weights, (256, 512, 1024, 2048)),
}
MICRO_WIDTHS: tuple[int, ...] = (8, 16, 32, 64)
PRECISIONS: tuple[str, ...] = ("float32", "bfloat16")      # arithmetic of backbone + FPN
PIXEL_MEAN: tuple[float, float, float] = (123.675, 116.28, 103.53)   # spec §1 (RGB, 0..255)
PIXEL_STD: tuple[float, float, float] = (58.395, 57.12, 57.375)


def normalize_images(images: Tensor, mean: Tensor, std: Tensor) -> Tensor:
    """images: (B, T, 3, H, W) RGB 0..255; mean, std: (3,). Returns (B*T, 3, H, W) normalised."""
    x = images.flatten(0, 1).to(mean.dtype)                              # (B*T, 3, H, W)
    return (x - mean[:, None, None]) / std[:, None, None]


def _conv_bn_relu(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class ResNetBody(nn.Module):
    """torchvision ResNet trunk returning C2..C5 (strides 4, 8, 16, 32).

    Deep ResNets (50/101) use FrozenBatchNorm2d and freeze stem + layer1 when ``pretrained``
    (spec §1, detectron2 FREEZE_AT=2); ResNet-18 keeps trainable BatchNorm.
    """

    def __init__(self, name: str, *, pretrained: bool = False) -> None:
        super().__init__()
        ctor, weights_enum, self.out_channels = _RESNETS[name]
        frozen = pretrained and name != "resnet18"
        net = ctor(weights=weights_enum.IMAGENET1K_V1 if pretrained else None,
                   norm_layer=FrozenBatchNorm2d if frozen else nn.BatchNorm2d)
        self.stem = nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool)
        self.layers = nn.ModuleList([net.layer1, net.layer2, net.layer3, net.layer4])
        if frozen:
            for module in (self.stem, self.layers[0]):
                module.requires_grad_(False)

    def forward(self, x: Tensor) -> list[Tensor]:
        """x: (B*T, 3, H, W). Returns [C2..C5], C_l: (B*T, c_l, H/2^l, W/2^l)."""
        x = self.stem(x)                                                  # (B*T, c, H/4, W/4)
        feats = []
        for layer in self.layers:
            x = layer(x)
            feats.append(x)
        return feats


class MicroBody(nn.Module):
    """Plain 4-stage CNN (3x3 conv-BN-ReLU), widths 8/16/32/64, strides 4/8/16/32 (spec §0)."""

    def __init__(self, widths: tuple[int, ...] = MICRO_WIDTHS) -> None:
        super().__init__()
        self.out_channels = widths
        self.stem = nn.Sequential(_conv_bn_relu(3, widths[0], 2), _conv_bn_relu(widths[0], widths[0], 2))
        self.layers = nn.ModuleList(
            [_conv_bn_relu(widths[0], widths[0], 1)]
            + [_conv_bn_relu(widths[i - 1], widths[i], 2) for i in range(1, len(widths))])

    def forward(self, x: Tensor) -> list[Tensor]:
        """x: (B*T, 3, H, W). Returns [C2..C5], C_l: (B*T, w_l, H/2^l, W/2^l)."""
        x = self.stem(x)                                                  # (B*T, 8, H/4, W/4)
        feats = []
        for layer in self.layers:
            x = layer(x)
            feats.append(x)
        return feats


class BackboneFPN(nn.Module):
    """Frame-wise backbone + FPN (3x3 output convs, nearest top-down, sum) -> P2..P5 with C channels.

    ``channels_last``: weights and activations in NHWC inside (the training step of the CPU
    recipe runs 1.04-1.09x faster, ``benchmarks/bench_layout.py``); the returned maps are NCHW.
    ``precision="bfloat16"``: the body and FPN run under bfloat16 autocast; the maps are float32.
    """

    def __init__(self, name: str, *, channels: int, pretrained: bool = False,
                 channels_last: bool = True, precision: str = "float32") -> None:
        super().__init__()
        if precision not in PRECISIONS:
            raise ValueError(f"precision={precision!r}; choose from {', '.join(PRECISIONS)}")
        self.precision = precision
        if name == "micro":
            if pretrained:
                raise ValueError("the micro backbone has no pretrained weights")
            self.body: nn.Module = MicroBody()
        elif name in _RESNETS:
            self.body = ResNetBody(name, pretrained=pretrained)
        else:
            raise ValueError(f"unknown backbone {name!r}")
        self.fpn = FeaturePyramidNetwork(list(self.body.out_channels), channels)
        self.channels = channels
        self.set_channels_last(channels_last)

    def set_channels_last(self, enabled: bool) -> None:
        """Switch the layout of the weights and of the activations inside."""
        self.channels_last = enabled
        self.to(memory_format=torch.channels_last if enabled else torch.contiguous_format)

    def forward(self, images: Tensor) -> OrderedDict[str, Tensor]:
        """images: (B*T, 3, H, W) normalised. Returns {"p2".."p5"}: (B*T, C, H/2^l, W/2^l)."""
        if self.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        with torch.autocast(images.device.type, dtype=torch.bfloat16,
                            enabled=self.precision == "bfloat16"):
            out = self.fpn(OrderedDict(zip(LEVELS, self.body(images))))
        # RoI align reads NCHW float32
        return OrderedDict((k, v.float().contiguous()) for k, v in out.items())


def freeze_(module: nn.Module) -> nn.Module:
    """Make ``module`` a fixed feature extractor in place: no gradients, and every BatchNorm2d
    replaced by a FrozenBatchNorm2d with its running statistics (train mode changes nothing)."""
    for name, child in module.named_children():
        if isinstance(child, nn.BatchNorm2d):
            frozen = FrozenBatchNorm2d(child.num_features, eps=child.eps)
            for key in ("weight", "bias", "running_mean", "running_var"):
                getattr(frozen, key).copy_(getattr(child, key).detach())
            setattr(module, name, frozen)
        else:
            freeze_(child)
    module.requires_grad_(False)
    return module


def real_frame_features(backbone: BackboneFPN, images: Tensor,
                        frame_valid: Tensor) -> OrderedDict[str, Tensor]:
    """Run ``backbone`` on real frames only; padded frames get zero features.

    Keeps padded frames out of BatchNorm batch statistics and saves their compute
    (spec §12.16). images: (B*T, 3, H, W); frame_valid: (B, T). Returns {"p2".."p5"}:
    (B*T, C, H/2^l, W/2^l).
    """
    real = frame_valid.reshape(-1)                                        # (B*T,)
    if bool(real.all()):
        return backbone(images)
    feats = backbone(images[real])                                        # (R, C, h_l, w_l) each
    out = OrderedDict()
    for name, f in feats.items():
        full = f.new_zeros((real.shape[0], *f.shape[1:]))                 # (B*T, C, h_l, w_l)
        full[real] = f
        out[name] = full
    return out
