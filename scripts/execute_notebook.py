"""Execute a notebook headless with nbclient (used by scripts/jupyter.ts).

    python execute_notebook.py IN.ipynb OUT.ipynb --kernel=NAME --cwd=DIR --timeout=S --report=R.json

Runs every code cell on the named kernel with DIR as the kernel's working directory, keeps
going after a failed cell (so the output shows everything), and writes the executed notebook
to OUT. The kernel's reply status of each code cell ("ok", "error", "abort") is not stored in
a notebook, so it goes to the JSON report R together with the wall time; the kernel's own
console output may appear on stdout, which is why the report is a file.
"""
import argparse
import json
import time

import nbformat
from nbclient import NotebookClient


def coalesce_streams(cell):
    """Merge consecutive stdout (or stderr) outputs: tslab sends one per console.log."""
    merged = []
    for out in cell.get("outputs", []):
        prev = merged[-1] if merged else None
        if out.output_type == "stream" and prev is not None and prev.output_type == "stream" and prev.name == out.name:
            prev.text += out.text
        else:
            merged.append(out)
    cell.outputs = merged


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--cwd", required=True)
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--report", required=True)
    args = ap.parse_args()

    nb = nbformat.read(args.input, as_version=4)
    statuses = {}

    def on_cell_executed(cell, cell_index, execute_reply, **_):
        statuses[cell_index] = execute_reply["content"]["status"]

    client = NotebookClient(
        nb,
        kernel_name=args.kernel,
        timeout=args.timeout,
        allow_errors=True,
        record_timing=False,  # no per-run timestamps in committed notebooks
        resources={"metadata": {"path": args.cwd}},
        on_cell_executed=on_cell_executed,
    )
    start = time.time()
    client.execute()
    seconds = time.time() - start
    for cell in nb.cells:
        if cell.cell_type == "code":
            coalesce_streams(cell)
    nbformat.write(nb, args.output)
    with open(args.report, "w") as f:
        json.dump({"statuses": statuses, "seconds": seconds}, f)


if __name__ == "__main__":
    main()
