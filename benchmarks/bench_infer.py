"""EfficientVIS inference: peak memory vs video length, and frames per second.

Usage: nice python benchmarks/bench_infer.py [--data vistool_data/synth] [--threads 2]
       [--repeat 20] [--ckpt CKPT]

1. Memory: ``vistool infer`` runs in a fresh subprocess on one synthetic valid video of 36 frames,
   then on a 720-frame video of the same content (the 36 frames played forwards and backwards
   ``repeat`` times); peak RSS of each process (``ru_maxrss``) and the growth are printed.
2. Speed: frames per second of the same runs (``tiny``, CPU, model time + pasting + RLE + JSON).
3. With CUDA: frames per second of the ``paper`` preset (R-50, short side 360) on the GPU,
   random weights, on the same 36-frame video; skipped without CUDA.

The checkpoint is the bundled one if present (else a random ``tiny`` model: speed and memory
do not depend on the weights).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_RSS = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
        "print('maxrss_kb', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def make_video_set(data: Path, out: Path, *, repeat: int) -> tuple[Path, Path, int]:
    """Annotation files for the longest valid video (L frames) and its ping-pong loop."""
    raw = json.loads((data / "valid.json").read_text())
    video = max(raw["videos"], key=lambda v: v["length"])
    names = video["file_names"]
    loop = [n for _ in range(repeat // 2) for n in names + names[::-1]]
    loop += names if repeat % 2 else []
    files = []
    for tag, frames in (("short", names), ("long", loop)):
        v = {**video, "length": len(frames), "file_names": frames}
        path = out / f"{tag}.json"
        path.write_text(json.dumps({"videos": [v], "categories": raw["categories"],
                                    "annotations": []}))
        files.append(path)
    return files[0], files[1], len(names)


def run_infer(ckpt: Path, data: Path, ann: Path, out: Path, threads: int) -> tuple[float, float]:
    """(peak RSS in MiB, seconds reported by ``vistool infer``) of one subprocess."""
    cmd = [sys.executable, "-c", "from vistoolkit.cli import main; main()", "infer",
           "--ckpt", str(ckpt), "--data",
           str(data), "--ann", str(ann), "-o", str(out), "--threads", str(threads)]
    res = subprocess.run([sys.executable, "-c", _RSS, *cmd], capture_output=True, text=True,
                         check=True)
    rss_kb = int(re.search(r"maxrss_kb (\d+)", res.stdout).group(1))
    seconds = float(re.search(r"\(([\d.]+) s\)", res.stdout).group(1))
    return rss_kb / 1024, seconds


def checkpoint(path: str | None, tmp: Path) -> Path:
    """The given checkpoint, the bundled one, or a random ``tiny`` model saved to ``tmp``."""
    from efficientvis.engine.bundled import bundled_checkpoint_path
    from efficientvis.engine.checkpoint import save_checkpoint
    from efficientvis.config import EfficientVISConfig
    from efficientvis.model import build_model

    if path is not None:
        return Path(path)
    if bundled_checkpoint_path().is_file():
        return bundled_checkpoint_path()
    cfg = EfficientVISConfig.preset("tiny")
    return save_checkpoint(tmp / "random_tiny.pt", model=build_model(cfg), model_cfg=cfg,
                           category_ids=range(1, cfg.num_classes + 1))


def gpu_fps(data: Path, ann: Path, tmp: Path) -> float | None:
    """Frames per second of the ``paper`` preset on CUDA (None without CUDA)."""
    import torch
    from efficientvis.config import EfficientVISConfig
    from efficientvis.engine.inference import InferenceSettings, infer_dataset
    from efficientvis.model import build_model

    if not torch.cuda.is_available():
        return None
    cfg = EfficientVISConfig.preset("paper", num_classes=8, clip_length=36)
    model, settings = build_model(cfg), InferenceSettings.from_config(cfg)
    kwargs = {"data_root": data, "ann_file": ann, "out_path": tmp / "gpu.json",
              "device": "cuda", "progress": False}
    infer_dataset(model, settings, **kwargs)                            # warm-up
    torch.cuda.synchronize()
    start = time.perf_counter()
    infer_dataset(model, settings, **kwargs)
    torch.cuda.synchronize()
    frames = json.loads(Path(ann).read_text())["videos"][0]["length"]
    return frames / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("vistool_data/synth"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--ckpt", default=None)
    args = parser.parse_args()
    from vistoolkit.data.synth import ensure_dataset

    data = ensure_dataset(args.data, progress=False)
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        ckpt = checkpoint(args.ckpt, tmp)
        short, long, length = make_video_set(data, tmp, repeat=args.repeat)
        n_long = length * args.repeat
        rss_s, sec_s = run_infer(ckpt, data, short, tmp / "s.json", args.threads)
        rss_l, sec_l = run_infer(ckpt, data, long, tmp / "l.json", args.threads)
        size_l = (tmp / "l.json").stat().st_size / 2**20
        print(f"checkpoint: {ckpt}; torch threads: {args.threads}")
        print("| video | frames | peak RSS (MiB) | infer s | frames/s |")
        print("|---|---|---|---|---|")
        print(f"| short | {length} | {rss_s:.0f} | {sec_s:.1f} | {length / sec_s:.1f} |")
        print(f"| long (ping-pong loop) | {n_long} | {rss_l:.0f} | {sec_l:.1f} | "
              f"{n_long / sec_l:.1f} |")
        print(f"peak RSS growth long/short: {100 * (rss_l / rss_s - 1):+.1f} % "
              f"(result file {size_l:.1f} MiB)")
        fps = gpu_fps(data, short, tmp)
        print("paper R-50 360p on CUDA: " + ("skipped (no CUDA)" if fps is None
                                             else f"{fps:.1f} frames/s"))


if __name__ == "__main__":
    main()
