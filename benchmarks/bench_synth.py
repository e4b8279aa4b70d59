"""Time the synthetic benchmark generator per preset; each preset runs in a fresh process.

Usage: python benchmarks/bench_synth.py [--presets small,default,large] [--keep DIR]

Prints one markdown table row per preset: wall seconds, peak RSS, counts and size on disk. The
``ytvis2021_val_scale`` preset is timed through ``make_annotations`` (annotations only, no JPEGs)
and its JSON written once to measure the size.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _one(preset: str, out: Path) -> dict:
    from vistoolkit.data.synth import SynthConfig, generate, make_annotations
    from vistoolkit.data.ytvis_io import save_dataset

    config = SynthConfig.preset(preset)
    start = time.perf_counter()
    if preset == "ytvis2021_val_scale":
        ds, _ = make_annotations(config, "valid")
        seconds = time.perf_counter() - start
        save_dataset(ds, out / "valid.json")
        counts = [("valid", len(ds.videos), sum(v.length for v in ds.videos), len(ds.tracks),
                   (out / "valid.json").stat().st_size / 1e6)]
    else:
        summary = generate(out, config, progress=False)
        seconds = time.perf_counter() - start
        counts = [(s.split, s.videos, s.frames, s.tracks, s.megabytes) for s in summary.splits]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"preset": preset, "size": f"{config.height}x{config.width}", "seconds": seconds,
            "rss_mb": rss, "splits": counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", default="small,default,large,ytvis2021_val_scale")
    parser.add_argument("--keep", type=Path, help="write datasets under DIR/<preset> and keep them")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(_one(args.one, args.out)))
        return
    print("| preset | frame size | split: videos / frames / tracks / MB | seconds | peak RSS MB |")
    print("|---|---|---|---:|---:|")
    for preset in args.presets.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            out = (args.keep / preset) if args.keep else Path(tmp)
            res = subprocess.run([sys.executable, __file__, "--one", preset, "--out", str(out)],
                                 check=True, capture_output=True, text=True)
            r = json.loads(res.stdout.strip().splitlines()[-1])
        splits = "; ".join(f"{s}: {v} / {f} / {t} / {mb:.1f}" for s, v, f, t, mb in r["splits"])
        print(f"| {r['preset']} | {r['size']} | {splits} | {r['seconds']:.1f} | "
              f"{r['rss_mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
