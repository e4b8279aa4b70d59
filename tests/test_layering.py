"""Import directions: eval and data never load torch or the model; the model never imports the CLI."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_layering_eval_and_data_import_without_torch():
    code = (
        "import sys, vistoolkit.eval, vistoolkit.data, vistoolkit.data.validate, "
        "vistoolkit.data.resample, vistoolkit.data.clips, vistoolkit.data.synth\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'efficientvis'))\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_layering_eval_and_data_sources_never_name_torch_or_model():
    for pkg in ("eval", "data"):
        for path in (ROOT / "vistoolkit" / pkg).glob("*.py"):
            mods = _imported_modules(path)
            assert not {m for m in mods if m.split(".")[0] in ("torch", "torchvision", "efficientvis")}, path


def test_layering_model_never_imports_cli():
    for path in (ROOT / "models" / "efficientvis").glob("*.py"):
        assert not {m for m in _imported_modules(path) if m.startswith("vistoolkit.cli")}, path
