"""``graphlab bench ops``: graphlab.ops SpMM against PyG's default path, PyG's fused sparse
path, torch.sparse and torch_scatter, in one run; plus a 3-layer GIN end to end.

Reports median milliseconds, achieved GB/s from the bytes a fused SpMM must move at
best (``E·8`` index bytes + one read of ``x`` and one write of the output, ``8·F·N``),
and the fraction of the memory-bandwidth bound using a copy bandwidth measured in the
same run.
"""
from __future__ import annotations

import argparse
import importlib
import json
import platform
from pathlib import Path
from typing import Callable, Optional

import torch
from torch import Tensor
from torch_geometric.nn import GINConv as PyGGINConv
from torch_geometric.nn import MessagePassing
from torch_geometric.utils import spmm as pyg_spmm
from torch_geometric.utils import to_torch_csr_tensor

from graphlab.bench.timing import copy_bandwidth_gbs, median_ms_round_robin
from graphlab.nn import GINConv
from graphlab.ops import CSR, spmm
from graphlab.ops.backend import has_torch_scatter, resolve_backend


class _PyGDefault(MessagePassing):
    """PyG's default path: messages x_j materialised per edge, then scattered."""

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
        return self.propagate(edge_index, x=x)


class _PyGFused(MessagePassing):
    """PyG's fused path: a sparse ``adj_t`` and ``message_and_aggregate``."""

    def forward(self, x: Tensor, adj_t: Tensor) -> Tensor:
        return self.propagate(adj_t, x=x)

    def message_and_aggregate(self, adj_t: Tensor, x: Tensor) -> Tensor:
        return pyg_spmm(adj_t, x, reduce=self.aggr)


def _gin(conv_cls, channels: int, layers: int) -> torch.nn.ModuleList:
    def mlp():
        return torch.nn.Sequential(torch.nn.Linear(channels, channels), torch.nn.ReLU(),
                                   torch.nn.Linear(channels, channels))
    return torch.nn.ModuleList([conv_cls(mlp()) for _ in range(layers)])


def run(num_nodes: int = 100_000, num_edges: int = 1_000_000, channels: int = 64,
        repeats: int = 5, device: str = "cpu", seed: int = 0,
        reduces: tuple[str, ...] = ("sum", "mean", "max"),
        log: Optional[Callable[[str], None]] = print) -> dict:
    dev = torch.device(device)
    gen = torch.Generator().manual_seed(seed)
    edge_index = torch.randint(num_nodes, (2, num_edges), generator=gen).to(dev)
    x = torch.randn(num_nodes, channels, generator=gen).to(dev)
    grad = torch.randn(num_nodes, channels, generator=gen).to(dev)
    csr = CSR.from_edge_index(edge_index, num_nodes)
    csr.t()  # the transposed view is part of the once-per-graph cache
    adj_t = to_torch_csr_tensor(edge_index.flip(0), size=(num_nodes, num_nodes))
    copy_bw = copy_bandwidth_gbs(dev)
    best_bytes = num_edges * 8 + 8 * channels * num_nodes
    bound_ms = best_bytes / (copy_bw * 1e9) * 1e3
    say = log or (lambda _m: None)
    say(f"copy bandwidth {copy_bw:.2f} GB/s; fused-SpMM bound {bound_ms:.1f} ms "
        f"({best_bytes / 1e6:.0f} MB)")

    methods: dict[str, Callable[[Tensor, str], Tensor]] = {}
    default_backend = resolve_backend(dev)
    methods[f"graphlab[{default_backend}]"] = lambda x, r: spmm(csr, x, r,
                                                                 backend=default_backend)
    if has_torch_scatter() and dev.type == "cpu":
        methods["graphlab[torch_scatter]"] = lambda x, r: spmm(csr, x, r, backend="torch_scatter")
    methods["pyg_edge_index"] = lambda x, r: _PyGDefault(aggr=_aggr(r))(x, edge_index)
    methods["pyg_sparse_fused"] = lambda x, r: _PyGFused(aggr=_aggr(r))(x, adj_t)
    methods["torch_sparse_mm"] = _torch_sparse_mm(adj_t, csr)
    if has_torch_scatter():
        import torch_scatter
        src, dst = edge_index
        methods["torch_scatter_scatter"] = lambda x, r: torch_scatter.scatter(
            x.index_select(0, src), dst, dim=0, dim_size=num_nodes, reduce=r)

    calls: dict[tuple[str, str, str], Callable[[], None]] = {}
    for reduce in reduces:
        for name, fn in methods.items():
            if name == "torch_sparse_mm" and reduce == "max":
                continue
            for mode in ("forward", "forward+backward"):
                xin = x.detach().requires_grad_(mode != "forward")

                def call(fn=fn, xin=xin, mode=mode, reduce=reduce):
                    out = fn(xin, reduce)
                    if mode != "forward":
                        out.backward(grad)
                        xin.grad = None
                calls[(reduce, name, mode)] = call
    timed = median_ms_round_robin(calls, dev, repeats)
    rows = []
    for (reduce, name, mode), ms in timed.items():
        row = {"op": "spmm", "reduce": reduce, "method": name, "mode": mode,
               "median_ms": round(ms, 2)}
        if mode == "forward":
            row["gb_per_s"] = float(f"{best_bytes / (ms * 1e-3) / 1e9:.4g}")
            row["fraction_of_bound"] = float(f"{bound_ms / ms:.4g}")
        rows.append(row)
        say(f"{reduce:5s} {mode:17s} {name:24s} {ms:9.1f} ms")

    gin_calls = {}
    for name, conv_cls, adj in (("graphlab GINConv (CSR)", GINConv, csr),
                                ("PyG GINConv (edge_index)", PyGGINConv, edge_index)):
        torch.manual_seed(seed)
        layers = _gin(conv_cls, channels, 3).to(dev)

        def gin_step(layers=layers, adj=adj):
            h = x
            for conv in layers:
                h = conv(h, adj).relu()
            h.backward(grad)
        gin_calls[name] = gin_step
    for name, ms in median_ms_round_robin(gin_calls, dev, max(3, repeats // 2)).items():
        rows.append({"op": "gin3", "reduce": "sum", "method": name, "mode": "forward+backward",
                     "median_ms": round(ms, 2)})
        say(f"gin3  forward+backward    {name:24s} {ms:9.1f} ms")

    return {"config": {"num_nodes": num_nodes, "num_edges": num_edges, "channels": channels,
                       "dtype": "float32", "repeats": repeats, "device": str(dev), "seed": seed},
            "machine": {"platform": platform.platform(), "processor": platform.processor(),
                        "torch_threads": torch.get_num_threads(),
                        "cuda": torch.cuda.get_device_name(dev) if dev.type == "cuda" else None},
            "versions": {"torch": torch.__version__},
            "copy_bandwidth_gbs": round(copy_bw, 2), "bound_ms": round(bound_ms, 2),
            "rows": rows, "ratios": ratios(rows)}


def density_sweep(num_nodes: int = 217, channels: int = 20_480,
                  densities: tuple[float, ...] = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0),
                  repeats: int = 5, seed: int = 0,
                  log: Optional[Callable[[str], None]] = print) -> dict:
    """Sum-SpMM forward + backward on CPU as the graph gets denser: torch's CSR kernels
    against the dense product that ``graphlab.ops.spmm`` switches to at
    ``DENSE_MIN_DENSITY`` — the measurement behind that threshold. The defaults are the
    shape of the fully adaptive virtual-node STGCN step (207 sensors + 10 virtual nodes,
    batch 64 × 10 time steps × 32 channels as features). Both paths are checked to agree
    before they are timed."""
    # the module, not the function graphlab.ops re-exports under the same name
    spmm_module = importlib.import_module("graphlab.ops.spmm")
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(num_nodes, channels, generator=gen)
    grad = torch.randn(num_nodes, channels, generator=gen)
    threshold = spmm_module.DENSE_MIN_DENSITY
    say = log or (lambda _m: None)
    rows = []
    for density in densities:
        mask = torch.rand(num_nodes, num_nodes, generator=gen) < density
        mask |= torch.eye(num_nodes, dtype=torch.bool)  # no empty rows
        edge_index = mask.nonzero().t().flip(0)
        csr = CSR.from_edge_index(edge_index, num_nodes)
        csr.t()
        paths = {"csr": 2.0, "dense": 0.0}  # thresholds that force each path
        # forward and backward (whose product with the transpose takes the same path) run
        # under the forced threshold; graphlab's own is restored after each call
        grads = {}
        calls = {}
        for name, forced in paths.items():
            xin = x.detach().requires_grad_(True)

            def call(forced=forced, xin=xin, csr=csr, name=name, grads=grads):
                spmm_module.DENSE_MIN_DENSITY = forced
                try:
                    out = spmm(csr, xin, "sum", backend="torch")
                    out.backward(grad)
                finally:
                    spmm_module.DENSE_MIN_DENSITY = threshold
                grads[name] = (out.detach(), xin.grad)
                xin.grad = None
            calls[name] = call
            call()
        for i in range(2):
            if not torch.allclose(grads["csr"][i], grads["dense"][i], rtol=1e-4, atol=1e-3):
                raise AssertionError(f"density {density}: the CSR and dense "
                                     f"{('products', 'gradients')[i]} differ")
        timed = median_ms_round_robin(calls, torch.device("cpu"), repeats)
        actual = csr.nnz / num_nodes ** 2
        row = {"density": round(actual, 4), "nnz": csr.nnz,
               "csr_ms": round(timed["csr"], 2), "dense_ms": round(timed["dense"], 2),
               "csr_over_dense": round(timed["csr"] / timed["dense"], 2),
               "graphlab_path": "dense" if actual >= threshold else "csr"}
        rows.append(row)
        say(f"density {actual:5.3f}  CSR {timed['csr']:8.1f} ms  dense {timed['dense']:8.1f} ms"
            f"  CSR/dense {row['csr_over_dense']:5.2f}x  (graphlab: {row['graphlab_path']})")
    return {"config": {"num_nodes": num_nodes, "channels": channels, "repeats": repeats,
                       "seed": seed, "dense_min_density": threshold, "mode": "forward+backward",
                       "reduce": "sum", "device": "cpu"},
            "machine": {"platform": platform.platform(), "processor": platform.processor(),
                        "torch_threads": torch.get_num_threads()},
            "versions": {"torch": torch.__version__}, "rows": rows}


def _aggr(reduce: str) -> str:
    return {"sum": "add", "mean": "mean", "max": "max"}[reduce]


def _torch_sparse_mm(adj_t: Tensor, csr: CSR) -> Callable[[Tensor, str], Tensor]:
    deg = csr.degree().clamp(min=1).view(-1, 1).float()

    def fn(x: Tensor, reduce: str) -> Tensor:
        out = torch.sparse.mm(adj_t, x)
        return out / deg if reduce == "mean" else out
    return fn


def ratios(rows: list[dict]) -> dict[str, float]:
    """Speed-ups of graphlab's default backend over each alternative (>1 = graphlab faster)."""
    def find(op, reduce, mode, prefix):
        for r in rows:
            if (r["op"], r["reduce"], r["mode"]) == (op, reduce, mode) and \
                    r["method"].startswith(prefix):
                return r["median_ms"]
        return None
    out = {}
    for reduce in sorted({r["reduce"] for r in rows if r["op"] == "spmm"}):
        for mode in ("forward", "forward+backward"):
            ours = find("spmm", reduce, mode, "graphlab[t")  # torch or triton
            for other in ("pyg_edge_index", "pyg_sparse_fused", "torch_sparse_mm",
                          "torch_scatter_scatter"):
                theirs = find("spmm", reduce, mode, other)
                if ours and theirs:
                    out[f"{reduce} {mode}: {other} / graphlab"] = round(theirs / ours, 2)
    ours = find("gin3", "sum", "forward+backward", "graphlab")
    theirs = find("gin3", "sum", "forward+backward", "PyG")
    if ours and theirs:
        out["gin3 forward+backward: PyG GINConv / graphlab GINConv"] = round(theirs / ours, 2)
    return out


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="graphlab bench ops", description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int,
                        help="default 100000 (217 with --density-sweep)")
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--channels", type=int,
                        help="default 64 (20480 with --density-sweep)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--out", default="results/bench/ops.json", help="JSON output path")
    parser.add_argument("--density-sweep", action="store_true",
                        help="instead: CSR kernels vs the dense product on CPU as density "
                             "grows (sum, fwd+bwd), the measurement behind "
                             "DENSE_MIN_DENSITY; --nodes (default 217) and --channels "
                             "(default 20480) set the shape")
    parser.add_argument("--densities", type=float, nargs="+",
                        default=[0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0])
    args = parser.parse_args(argv)
    if args.density_sweep:
        if any(not 0 < d <= 1 for d in args.densities):
            parser.error(f"--densities must lie in (0, 1], got {args.densities}")
        result = density_sweep(args.nodes or 217, args.channels or 20_480,
                               tuple(args.densities), args.repeats)
        _write(result, args.out)
        return 0
    result = run(args.nodes or 100_000, args.edges, args.channels or 64, args.repeats,
                 args.device)
    print("\nratios (alternative time / graphlab time):")
    for key, value in result["ratios"].items():
        print(f"  {key:60s} {value:6.2f}x")
    _write(result, args.out)
    return 0


def _write(result: dict, path: str) -> None:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"\nJSON written to {out}")
