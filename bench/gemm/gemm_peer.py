#!/usr/bin/env python3
"""OpenBLAS sgemm through PyTorch at the shapes of bench/PSRnn.Bench's GemmBenchmarks, timed like PSRnn's gemm mode.

Run with the peer's OpenBLAS (see ../../../shared/bench/README.md), e.g.
    env LD_LIBRARY_PATH=$PEER_BLAS OMP_NUM_THREADS=2 /usr/bin/python3 gemm_peer.py --threads 2
Prints one line per shape: m x n x k, best microseconds per product over --reps repetitions, GFLOP/s (2·m·n·k).
Shapes are C = A·B with A m×k and B k×n, row-major float32, C overwritten (beta 0), as PSRnn's Gemm.Multiply.
"""
import argparse, json, time
import torch

SHAPES = ["32x512x128", "16x512x128", "32x128x512", "64x1024x256", "32x2048x512", "3200x512x40", "32x512x22050",
          "2048x2048x2048"]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=40)
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--out")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    rows = []
    for s in a.shapes.split(","):
        m, n, k = (int(v) for v in s.split("x"))
        A = torch.rand(m, k) - 0.5
        B = torch.rand(k, n) - 0.5
        C = torch.empty(m, n)
        flop = 2.0 * m * n * k
        iters = max(1, int(2e8 / flop))
        for _ in range(max(3, iters // 4)):
            torch.mm(A, B, out=C)
        best = float("inf")
        for _ in range(a.reps):
            t0 = time.perf_counter()
            for _ in range(iters):
                torch.mm(A, B, out=C)
            best = min(best, (time.perf_counter() - t0) / iters)
        rows.append({"shape": s, "threads": a.threads, "us": best * 1e6, "gflops": flop / best / 1e9})
        print(f"{s:<20} T{a.threads} {best*1e6:10.1f} us  {flop/best/1e9:7.1f} GF/s", flush=True)
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"engine": "torch.mm", "torch": torch.__version__, "config": torch.__config__.show(), "rows": rows}, f, indent=1)

if __name__ == "__main__":
    main()
