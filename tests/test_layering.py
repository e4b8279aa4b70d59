"""Import directions (docs/architecture.md), read from the sources with ``ast``.

eval, data and linking never load torch or the model; the model core imports only torch,
torchvision, numpy, scipy and itself; only the CLI and the studies import the model's engine;
nothing in the model imports the CLI; no import circle; no module over 400 lines.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"vistoolkit": ROOT / "vistoolkit", "efficientvis": ROOT / "models" / "efficientvis"}
MAX_LINES = 400


def _module_files() -> dict[str, Path]:
    """Dotted module name -> source file, for both packages."""
    out = {}
    for top, base in PACKAGES.items():
        for path in base.rglob("*.py"):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join([top, *parts])] = path
    return out


MODULES = _module_files()


def _imports(path: Path) -> set[str]:
    """Every module a file imports (function-level imports included): ``from A import b`` names
    ``A.b`` when that is a module of ours, else ``A``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                names.add(sub if sub in MODULES else node.module)
    return names


def _top(name: str) -> str:
    return name.split(".")[0]


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _is_core(name: str) -> bool:
    return _under(name, "efficientvis") and not _under(name, "efficientvis.engine")


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of ``graph`` (module -> imported modules of ours), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def _internal_graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        deps = {m for m in _imports(path) if m in MODULES and m != name}
        # a package's own submodules importing the package's __init__ is how Python loads
        # them; only count the __init__ -> submodule direction
        graph[name] = {d for d in deps if not _under(name, d)}
    return graph


def test_layering_no_import_circle() -> None:
    assert _find_cycle(_internal_graph()) is None, _find_cycle(_internal_graph())


def test_layering_find_cycle_detects_a_hidden_circle() -> None:
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("pkg", ["vistoolkit.eval", "vistoolkit.data", "vistoolkit.linking"])
def test_layering_torch_free_packages_never_name_torch_or_model(pkg: str) -> None:
    for name, path in MODULES.items():
        if _under(name, pkg):
            bad = {m for m in _imports(path) if _top(m) in ("torch", "torchvision", "efficientvis")}
            assert not bad, (path, bad)


def test_layering_eval_data_linking_import_without_torch() -> None:
    code = (
        "import sys, vistoolkit.eval, vistoolkit.data, vistoolkit.linking, vistoolkit.eval.compat, "
        "vistoolkit.data.validate, vistoolkit.data.resample, vistoolkit.data.clips, "
        "vistoolkit.data.synth\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'efficientvis'))\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_layering_model_core_imports_only_torch_numpy_scipy() -> None:
    allowed = {"torch", "torchvision", "numpy", "scipy", "efficientvis"}
    for name, path in MODULES.items():
        if not _is_core(name):
            continue
        for mod in _imports(path):
            top = _top(mod)
            assert top in allowed or top in sys.stdlib_module_names, (path, mod)
            assert not _under(mod, "efficientvis.engine"), (path, mod)


def test_layering_only_cli_and_studies_import_the_engine() -> None:
    for name, path in MODULES.items():
        if _under(name, "efficientvis.engine") or _under(name, "vistoolkit.cli") \
                or _under(name, "vistoolkit.studies"):
            continue
        bad = {m for m in _imports(path) if _under(m, "efficientvis.engine")}
        assert not bad, (path, bad)


def test_layering_model_never_imports_cli() -> None:
    for name, path in MODULES.items():
        if _under(name, "efficientvis"):
            assert not {m for m in _imports(path) if _under(m, "vistoolkit.cli")}, path


def test_layering_no_module_over_400_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for p in MODULES.values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long


def test_cli_model_command_without_torch_names_the_extra(tmp_path: Path) -> None:
    code = ("import sys; sys.modules['torch'] = None\n"
            "from vistoolkit.cli.main import main\n"
            f"main(['train', '--out', {str(tmp_path / 'run')!r}, '--iters', '1'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "error: `vistool train` needs the model extra (torch is not installed): "
        "pip install 'vistoolkit[model]'"]
