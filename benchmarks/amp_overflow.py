"""Where float16 training overflows: which modules' gradients turn non-finite, at which loss scale.

Usage (CUDA only): python benchmarks/amp_overflow.py [--preset tiny] [--batch-size 16] [--batches 3]

A freshly initialised model (as `vistool train` starts from scratch) runs one training forward
under float16 autocast per batch of the fresh synthetic stream, then one backward per loss scale
(2^16 down to 1, the range the gradient scaler walks). For each scale it prints whether any
parameter gradient is non-finite and the first module (in forward order) whose output gradient
is, and the largest finite output gradient of each module at scale 1, so an overflow can be
told apart from an inf made in the forward pass.
"""

from __future__ import annotations

import argparse
import math

import torch
from efficientvis.config import PRESETS, EfficientVISConfig
from efficientvis.criterion import ClipCriterion
from efficientvis.engine.dataset import collate_pairs
from efficientvis.engine.synth_stream import SynthStreamClipDataset
from efficientvis.engine.train import PairStep
from efficientvis.engine.train_config import TrainConfig
from efficientvis.model import build_model

SCALES = (2.0**16, 2.0**12, 2.0**8, 2.0**4, 2.0, 1.0)


def module_grad_watch(model: torch.nn.Module) -> tuple[list[str], dict[str, float], list]:
    """Forward order of the modules that hold parameters, and per module the max |grad| of its
    outputs in a backward (tensor hooks, so in-place activations after them are untouched)."""
    order: list[str] = []
    peaks: dict[str, float] = {}

    def record(name: str):
        def hook(grad: torch.Tensor) -> None:
            peaks[name] = max(peaks.get(name, 0.0), grad.detach().abs().float().max().item())
        return hook

    def fwd(name: str):
        def hook(_m, _inp, out) -> None:
            if name not in order:
                order.append(name)
            for t in out if isinstance(out, (tuple, list)) else (out,):
                if isinstance(t, torch.Tensor) and t.requires_grad and t.numel():
                    t.register_hook(record(name))
        return hook

    handles = [mod.register_forward_hook(fwd(name)) for name, mod in model.named_modules()
               if name and any(True for _ in mod.parameters(recurse=False))]
    return order, peaks, handles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="tiny", choices=sorted(PRESETS))
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--batches", type=int, default=3)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        parser.error("needs a CUDA device")                         # one line, exit code 2
    torch.manual_seed(0)
    cfg = EfficientVISConfig.preset(args.preset)
    train_cfg = TrainConfig()
    data = SynthStreamClipDataset.from_config(train_cfg.stream_synth(), cfg, seed=0,
                                              videos_per_epoch=args.batch_size * args.batches)
    cfg = cfg.replace(num_classes=data.num_classes)
    model = build_model(cfg).cuda().train()
    step = PairStep(model, ClipCriterion.from_config(cfg), cfg)
    params = [p for p in model.parameters() if p.requires_grad]
    order, peaks, handles = module_grad_watch(model)
    for b in range(args.batches):
        batch = collate_pairs([data[b * args.batch_size + i] for i in range(args.batch_size)])
        batch = batch.to("cuda")
        with torch.autocast("cuda", dtype=torch.float16):
            loss, _ = step(batch)                            # one forward, one backward per scale
        for scale in SCALES:
            peaks.clear()
            model.zero_grad(set_to_none=True)
            (loss * scale).backward(retain_graph=scale != SCALES[-1])
            bad = [n for n, p in model.named_parameters()
                   if p.grad is not None and not torch.isfinite(p.grad).all()]
            first = next((n for n in order if not math.isfinite(peaks.get(n, 0.0))), "-")
            norm = torch.linalg.vector_norm(torch.stack(
                [torch.linalg.vector_norm(p.grad.float()) for p in params if p.grad is not None]))
            print(f"batch {b} scale 2^{int(math.log2(scale)):>2}: loss {loss.item():.3f}, "
                  f"grad norm / scale {norm.item() / scale:.4g}, non-finite params {len(bad)}, "
                  f"first module with non-finite output grad: {first}"
                  + (f" (e.g. {bad[0]})" if bad else ""))
        top = sorted(((v, n) for n, v in peaks.items() if math.isfinite(v)), reverse=True)[:6]
        print(f"batch {b} scale 2^0, largest output grads: "
              + ", ".join(f"{n} {v:.3g}" for v, n in top))
    for h in handles:
        h.remove()


if __name__ == "__main__":
    main()
