"""notebooks/evaluation.ipynb runs top to bottom (on the small fixture corpus)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "eval"


@pytest.mark.slow  # a Jupyter kernel and the whole notebook
def test_evaluation_notebook_runs(monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("matplotlib")
    pytest.importorskip("ipykernel")
    from jupyter_client.kernelspec import NoSuchKernel

    monkeypatch.setenv("MATCHER_EVALDATA", str(FIXTURES))
    monkeypatch.setenv("MATCHER_EVAL_PROFILES", str(FIXTURES / "profiles.yaml"))
    monkeypatch.setenv("MATCHER_EVAL_CORPUS", "bbc")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(ROOT / "notebooks" / "evaluation.ipynb", as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT / "notebooks")}})
    try:
        client.execute()
    except (NoSuchKernel, RuntimeError) as exc:
        if "kernel" in str(exc).lower() and "died" not in str(exc).lower():
            pytest.skip(f"no Jupyter kernel: {exc}")
        raise
    text = "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                   for out in cell.get("outputs", []))
    assert "matcher (as `matcher top`)" in text
    assert os.environ["MATCHER_EVAL_CORPUS"] == "bbc"
