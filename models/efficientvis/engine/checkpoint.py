"""EfficientVIS checkpoints: full training state (resumable) or model-only (bundled, fp16).

A checkpoint is a ``torch.save`` dict with plain types and tensors only, so it loads with
``weights_only=True``:

* ``format`` "efficientvis-checkpoint", ``version`` 1
* ``model`` state dict, ``model_config`` (``EfficientVISConfig.to_dict()``), ``category_ids``
  (dataset category id of each contiguous class index k)
* training state when resumable: ``optimizer``, ``scheduler``, ``scaler``, ``step``, ``epoch``,
  ``epoch_step`` (items of the current epoch already consumed), ``train_config``, ``rng``
  (python / numpy / torch / cuda generator states)
* ``meta``: free-form plain data (training time, command, ...)
* ``int8`` (model-only copies, optional): tensors of ``model`` stored as int8 + per-channel scale
  (``int8_weights``); ``read_checkpoint`` puts them back into ``model`` as float32
"""

from __future__ import annotations

import io
import logging
import pickle
import random
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from efficientvis.box_embedding import IDENTITY_AT_INIT
from efficientvis.config import EfficientVISConfig
from efficientvis.engine.inference import InferenceSettings
from efficientvis.engine.int8_weights import pack_int8, unpack_int8
from efficientvis.model import build_model
from vistoolkit.atomic import write_bytes_atomic
from vistoolkit.errors import InputError

logger = logging.getLogger(__name__)

FORMAT_NAME = "efficientvis-checkpoint"
FORMAT_VERSION = 1


def capture_rng_state() -> dict[str, Any]:
    """Generator states of python ``random``, numpy's global generator, torch (and CUDA)."""
    np_state = np.random.get_state()
    state: dict[str, Any] = {
        "python": _listify(random.getstate()),
        "numpy": {"name": np_state[0], "keys": torch.from_numpy(np_state[1].astype(np.int64)),
                  "pos": int(np_state[2]), "has_gauss": int(np_state[3]),
                  "cached_gaussian": float(np_state[4])},
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: Mapping[str, Any]) -> None:
    """Inverse of ``capture_rng_state``; the state's tensors may have been loaded onto a GPU
    (``map_location``): generator states are CPU byte tensors, so they are moved back first."""
    random.setstate(_tuplify(state["python"]))
    npy = state["numpy"]
    np.random.set_state((npy["name"], npy["keys"].cpu().numpy().astype(np.uint32), npy["pos"],
                         npy["has_gauss"], npy["cached_gaussian"]))
    torch.set_rng_state(state["torch"].cpu())
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


def _listify(x: Any) -> Any:
    return [_listify(v) for v in x] if isinstance(x, (tuple, list)) else x


def _tuplify(x: Any) -> Any:
    return tuple(_tuplify(v) for v in x) if isinstance(x, list) else x


def unwrap(model: nn.Module) -> nn.Module:
    """The bare model inside a DDP / compiled wrapper."""
    while hasattr(model, "module") and isinstance(model.module, nn.Module):
        model = model.module
    return getattr(model, "_orig_mod", model)


def save_checkpoint(path: Path | str, *, model: nn.Module, model_cfg: EfficientVISConfig,
                    category_ids: Sequence[int], training: Mapping[str, Any] | None = None,
                    meta: Mapping[str, Any] | None = None, half: bool = False,
                    int8: Sequence[str] = ()) -> Path:
    """Write a checkpoint atomically (temporary file, then rename).

    Args:
        path: output file.
        model: the model (wrappers are removed).
        model_cfg: its config.
        category_ids: dataset category id per class index (K entries).
        training: resumable state (``optimizer``, ``scheduler``, ``step`` ...), None = model only.
        meta: extra plain data stored under ``meta``.
        half: store floating-point weights as float16 (bundled copies).
        int8: name prefixes whose weight tensors (2+ dimensions) are stored as int8 with a
            float32 scale per output channel (bundled copies; ``int8_weights``).
    Returns:
        ``path``.
    """
    state = {k: v.detach().cpu() for k, v in unwrap(model).state_dict().items()}
    state, packed = pack_int8(state, int8)
    if half:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    ckpt: dict[str, Any] = {
        "format": FORMAT_NAME, "version": FORMAT_VERSION, "model": state,
        "model_config": model_cfg.to_dict(), "category_ids": [int(c) for c in category_ids],
        "meta": dict(meta or {}),
    }
    if packed:
        ckpt["int8"] = packed
    ckpt.update(training or {})
    buffer = io.BytesIO()
    torch.save(ckpt, buffer)
    write_bytes_atomic(path, buffer.getvalue())
    return Path(path)


def with_bn_counters(model: nn.Module, state: Mapping[str, torch.Tensor]
                     ) -> dict[str, torch.Tensor]:
    """``state`` plus the BatchNorm ``num_batches_tracked`` counters it lacks (a model trained
    with a frozen backbone saves FrozenBatchNorm2d, which has none), so it loads strictly."""
    out = dict(state)
    for key, value in model.state_dict().items():
        if key.endswith("num_batches_tracked") and key not in out:
            out[key] = torch.zeros_like(value)
    return out


def grown_stages(state: Mapping[str, torch.Tensor], num_stages: int) -> dict[str, torch.Tensor]:
    """``state`` of a model with M stages (``stages.0.`` ... ``stages.{M-1}.``) extended to
    ``num_stages`` >= M: each added stage starts as a copy of stage M (the last)."""
    have = {int(k.split(".")[1]) for k in state if k.startswith("stages.")}
    if not have:
        return dict(state)
    last = max(have)
    out = dict(state)
    for m in range(last + 1, num_stages):
        out.update({f"stages.{m}." + k[len(f"stages.{last}."):]: v.clone()
                    for k, v in state.items() if k.startswith(f"stages.{last}.")})
    return out


def renamed(state: Mapping[str, torch.Tensor], rename: Sequence[tuple[str, str]]
            ) -> dict[str, torch.Tensor]:
    """``state`` with every ``old`` part of a tensor name replaced by ``new``, in order."""
    out = {}
    for k, v in state.items():
        for old, new in rename:
            k = k.replace(old, new)
        out[k] = v
    return out


def load_weights(model: nn.Module, path: Path | str, prefix: str = "", *,
                 grow_stages: bool = False, drop_unused: bool = False,
                 rename: Sequence[tuple[str, str]] = ()) -> None:
    """Copy the weights of checkpoint ``path`` whose names start with ``prefix`` ("" = the whole
    model) into ``model``; ``InputError`` when they do not fit (another backbone, width or
    stage count). ``grow_stages``: a checkpoint with fewer stages fits, its last stage copied
    into the stages it lacks (``grown_stages``). ``drop_unused``: tensors of the checkpoint that
    the model has no place for (a module a Table 1 switch removes) are left out; every tensor of
    the model must still be in the checkpoint, except those of modules that start as the
    identity (``IDENTITY_AT_INIT``, e.g. ``box_embed``), which then keep their initialisation.
    ``rename``: (old, new) parts of the checkpoint's tensor names replaced first (``renamed``),
    e.g. ``(".attn_s.", ".attn_j.")`` starts a joint attention from a spatial one."""
    source = renamed({k: v for k, v in read_checkpoint(path)["model"].items()
                      if k.startswith(prefix)}, rename)
    target = {k: v for k, v in unwrap(model).state_dict().items() if k.startswith(prefix)}
    if grow_stages:
        source = grown_stages(source, len(unwrap(model).stages))
    counter = "num_batches_tracked"            # BatchNorm counters: see with_bn_counters
    new = {k for k in target if k not in source and any(f in k for f in IDENTITY_AT_INIT)}
    bad = sorted(k for k in target if not k.endswith(counter) and k not in new
                 and (k not in source or source[k].shape != target[k].shape))
    if not drop_unused:
        bad += sorted(k for k in source if k not in target and not k.endswith(counter))
    if bad:
        what = "backbone does" if prefix == "backbone." else "weights do"
        raise InputError(f"its {what} not fit this model ({len(bad)} tensors differ, "
                         f"e.g. {bad[0]})", path=path)
    unwrap(model).load_state_dict({k: source[k].to(v.dtype) for k, v in target.items()
                                   if k in source}, strict=False)


def load_backbone(model: nn.Module, path: Path | str) -> None:
    """``load_weights`` of the ``backbone.*`` (backbone + FPN) tensors."""
    load_weights(model, path, "backbone.")


def read_checkpoint(path: Path | str, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """The raw checkpoint dict; ``InputError`` if the file is missing or not a checkpoint."""
    path = Path(path)
    if not path.is_file():
        raise InputError("checkpoint not found", path=path)
    if not zipfile.is_zipfile(path):                      # torch.save writes a zip archive
        raise InputError("not a readable torch checkpoint (not a zip archive)", path=path)
    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=True)
    except (RuntimeError, EOFError, KeyError, pickle.UnpicklingError, zipfile.BadZipFile,
            ValueError) as err:
        raise InputError(f"not a readable torch checkpoint ({type(err).__name__})",
                         path=path) from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT_NAME:
        raise InputError(f"not an EfficientVIS checkpoint (no format '{FORMAT_NAME}')", path=path)
    if ckpt.get("version") != FORMAT_VERSION:
        raise InputError(f"unsupported checkpoint version {ckpt.get('version')!r}", path=path)
    for key in ("model", "model_config", "category_ids"):
        if key not in ckpt:
            raise InputError(f"checkpoint has no '{key}'", path=path)
    try:
        ckpt["model"].update(unpack_int8(ckpt.pop("int8", {})))
    except (ValueError, AttributeError) as err:
        raise InputError(f"damaged checkpoint: {err}", path=path) from None
    return ckpt


@dataclass(frozen=True, slots=True)
class LoadedCheckpoint:
    """A checkpoint ready to run: everything is built from its stored ``model_config``.

    Attributes:
        model: the network, eval mode, float32, on the requested device.
        config: the ``EfficientVISConfig`` it was built from.
        settings: ``InferenceSettings.from_config(config)``, the defaults for inference.
        category_ids: dataset category id of each class index k (K entries).
        raw: the checkpoint dict (``meta``, ``step``, training state when resumable).
    """

    model: nn.Module
    config: EfficientVISConfig
    settings: InferenceSettings
    category_ids: tuple[int, ...]
    raw: dict[str, Any]


def load_checkpoint(path: Path | str, map_location: str | torch.device = "cpu"
                    ) -> LoadedCheckpoint:
    """Build the model and its inference settings from the checkpoint's stored config.

    Raises:
        InputError: missing file, not a checkpoint, or weights that do not fit the config.
    """
    ckpt = read_checkpoint(path, map_location="cpu")
    try:
        cfg = EfficientVISConfig.from_dict(ckpt["model_config"])
        settings = InferenceSettings.from_config(cfg)
    except (TypeError, ValueError) as err:
        raise InputError(f"bad model_config ({err})", path=path) from None
    model = build_model(cfg)
    state = {k: v.float() if v.is_floating_point() else v for k, v in ckpt["model"].items()}
    try:
        model.load_state_dict(with_bn_counters(model, state))
    except RuntimeError as err:
        first = str(err).strip().splitlines()[0]
        raise InputError(f"weights do not fit the stored config ({first[:120]})",
                         path=path) from None
    if len(ckpt["category_ids"]) != cfg.num_classes:
        raise InputError(f"{len(ckpt['category_ids'])} category ids for "
                         f"num_classes={cfg.num_classes}", path=path)
    model.eval().to(map_location)
    return LoadedCheckpoint(model, cfg, settings, tuple(int(c) for c in ckpt["category_ids"]),
                            ckpt)
