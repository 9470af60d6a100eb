"""Graph-convolutional skeleton encoder: a normalized window `(B, T, 2, 25, 3)` -> one feature `(B, F)`.

Plays the role of the paper's frozen Shift-GCN: pre-trained with a classification head on seen
classes, then frozen while the denoiser learns to match its features with text. Pure PyTorch ops
(no custom kernels) so it exports to ONNX opset 17 and runs in a few ms on a laptop CPU.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from fdsm.presets import ModelConfig
from fdsm.skeleton import BONES, NUM_JOINTS

IN_CHANNELS = 6  # joint position (3) + joint velocity (3)


def bone_adjacency(num_joints: int = NUM_JOINTS) -> torch.Tensor:
    """Symmetric-normalized adjacency D^-1/2 (A + I) D^-1/2 of the NTU bone graph."""
    a = torch.eye(num_joints)
    for p, c in BONES:
        a[p, c] = a[c, p] = 1.0
    d = a.sum(1).rsqrt()
    return d[:, None] * a * d[None, :]


class GraphBlock(nn.Module):
    """Spatial graph conv (fixed bone graph + learnable residual adjacency), then a temporal conv."""

    def __init__(self, c_in: int, c_out: int, stride: int, kernel: int) -> None:
        super().__init__()
        self.register_buffer("adj", bone_adjacency(), persistent=False)
        self.adj_residual = nn.Parameter(torch.zeros(NUM_JOINTS, NUM_JOINTS))
        self.spatial = nn.Sequential(nn.Conv2d(c_in, c_out, 1), nn.BatchNorm2d(c_out))
        self.temporal = nn.Sequential(
            nn.ReLU(),
            nn.Conv2d(c_out, c_out, (kernel, 1), (stride, 1), (kernel // 2, 0)),
            nn.BatchNorm2d(c_out),
        )
        self.skip = (
            nn.Identity() if c_in == c_out and stride == 1
            else nn.Sequential(nn.Conv2d(c_in, c_out, 1, (stride, 1)), nn.BatchNorm2d(c_out))
        )
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, C, T, V)
        mixed = torch.matmul(x, self.adj + self.adj_residual)  # aggregate over neighbouring joints
        return self.act(self.temporal(self.spatial(mixed)) + self.skip(x))


class SkeletonEncoder(nn.Module):
    """Normalized window -> feature vector; bodies share weights and are max-pooled."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        chans = (IN_CHANNELS, *cfg.encoder_channels)
        self.input_norm = nn.BatchNorm1d(IN_CHANNELS * NUM_JOINTS)
        self.blocks = nn.Sequential(*(
            GraphBlock(c_in, c_out, 1 if i == 0 else 2, cfg.encoder_kernel)
            for i, (c_in, c_out) in enumerate(zip(chans[:-1], chans[1:], strict=True))
        ))
        self.head = nn.Linear(chans[-1], cfg.feature_dim)

    def forward(self, window: torch.Tensor) -> torch.Tensor:
        """`(B, T, M, 25, 3)` normalized skeletons -> `(B, feature_dim)`."""
        b, t, m, v, _ = window.shape
        vel = torch.cat([torch.zeros_like(window[:, :1]), window[:, 1:] - window[:, :-1]], dim=1)
        x = torch.cat([window, vel], dim=-1)  # (B, T, M, V, 6)
        x = x.permute(0, 2, 3, 4, 1).reshape(b * m, v * IN_CHANNELS, t)
        x = self.input_norm(x).reshape(b * m, v, IN_CHANNELS, t).permute(0, 2, 3, 1)  # (B*M, 6, T, V)
        x = self.blocks(x).mean(dim=(2, 3))  # (B*M, C)
        return self.head(x.reshape(b, m, -1).amax(dim=1))

    def classifier(self, num_classes: int, dropout: float = 0.1,
                   prototypes: torch.Tensor | None = None) -> EncoderClassifier:
        """This encoder with a classification head, for pre-training on seen classes (see EncoderClassifier)."""
        return EncoderClassifier(self, num_classes, dropout, prototypes)


class EncoderClassifier(nn.Module):
    """Encoder + ReLU + dropout + linear logits; `encoder` is shared, so training it trains the encoder.

    With `prototypes` (num_classes, D), the class weights are those fixed text embeddings: the head
    projects the feature to D and the logits are scaled cosines to each class text (a CLIP-style head
    with a learned temperature). Classes whose texts are alike then get alike features, which is what
    a zero-shot model needs from its encoder; a free linear head only has to separate the seen classes.
    """

    def __init__(self, encoder: SkeletonEncoder, num_classes: int, dropout: float = 0.1,
                 prototypes: torch.Tensor | None = None) -> None:
        super().__init__()
        if prototypes is not None and prototypes.shape[0] != num_classes:
            raise ValueError(f"{prototypes.shape[0]} class prototypes for {num_classes} classes")
        self.encoder = encoder
        out = num_classes if prototypes is None else prototypes.shape[1]
        self.head = nn.Sequential(nn.ReLU(), nn.Dropout(dropout), nn.Linear(encoder.cfg.feature_dim, out))
        self.prototypes: torch.Tensor | None
        if prototypes is None:
            self.prototypes = None
        else:
            self.register_buffer("prototypes", F.normalize(prototypes.float(), dim=-1))
            self.log_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def forward(self, window: torch.Tensor) -> torch.Tensor:
        """`(B, T, M, 25, 3)` -> logits `(B, num_classes)`."""
        z = self.head(self.encoder(window))
        if self.prototypes is None:
            return z
        return F.normalize(z, dim=-1) @ self.prototypes.T * self.log_scale.exp().clamp(max=100.0)
