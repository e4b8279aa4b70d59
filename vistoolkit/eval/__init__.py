"""Official-exact YouTube-VIS video AP/AR evaluation (no torch)."""

from vistoolkit.eval.evaluate import evaluate
from vistoolkit.eval.params import EvalParams
from vistoolkit.eval.result import EvalResult
from vistoolkit.eval.summary import STAT_KEYS

__all__ = ["STAT_KEYS", "EvalParams", "EvalResult", "evaluate"]
