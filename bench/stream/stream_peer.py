"""Peer of `PSRnn.Workloads --stream`: PyTorch steps the W5 model (nn.LSTM(40 -> 128) + nn.Linear(128 -> 10) + softmax,
batch 1) one step per call, carrying (h, c) as hx, under torch.no_grad(). Each call is timed alone
(time.perf_counter_ns around the model call); after a warm-up the median over --steps calls is one pass; several
passes, each after waiting for the machine to be quiet, as the PSRnn run does.

/usr/bin/python3 bench/stream/stream_peer.py --threads 1 [--steps 20000] [--passes 5] [--quiet-wait 5]
"""
import argparse, os, statistics, time
import torch, torch.nn as nn

TCK = os.sysconf('SC_CLK_TCK')


def _busy_jiffies():
    with open('/proc/stat') as f:
        v = list(map(int, f.readline().split()[1:9]))
    return v[0] + v[1] + v[2] + v[5] + v[6]


class ForeignCpu:
    """CPU time used by other processes during a window, in cores (as ../../shared/bench/torch_peer.py)."""
    def start(self):
        t = os.times()
        self.own0, self.busy0, self.w0 = t.user + t.system, _busy_jiffies(), time.perf_counter()

    def stop(self):
        t = os.times()
        own = t.user + t.system - self.own0
        foreign = (_busy_jiffies() - self.busy0) / TCK - own
        return max(0.0, foreign) / (time.perf_counter() - self.w0)


def wait_quiet(max_wait, thresh=0.15, probe=0.5):
    t0 = time.perf_counter()
    fc = ForeignCpu()
    while True:
        fc.start(); time.sleep(probe)
        if fc.stop() < thresh or time.perf_counter() - t0 > max_wait:
            return


class W5(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(40, 128, batch_first=True)
        self.fc = nn.Linear(128, 10)

    def forward(self, x, hx):
        out, hx = self.lstm(x, hx)
        return torch.softmax(self.fc(out[:, -1]), dim=-1), hx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--steps', type=int, default=20000)
    ap.add_argument('--passes', type=int, default=5)
    ap.add_argument('--quiet-wait', type=float, default=5.0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = W5().eval()
    xs = [torch.empty(1, 1, 40).uniform_(-2, 2) for _ in range(1024)]
    medians, means, p90s, foreigns = [], [], [], []
    with torch.no_grad():
        for p in range(a.passes):
            if a.quiet_wait > 0:
                wait_quiet(a.quiet_wait)
            hx = (torch.zeros(1, 1, 128), torch.zeros(1, 1, 128))
            warm_until, i = time.perf_counter() + (1.0 if p == 0 else 0.5), 0
            while i < max(2000, a.steps // 5) or time.perf_counter() < warm_until:
                y, hx = model(xs[i % 1024], hx)
                i += 1
            fc = ForeignCpu()
            fc.start()
            times = [0] * a.steps
            for i in range(a.steps):
                x = xs[i % 1024]
                t0 = time.perf_counter_ns()
                y, hx = model(x, hx)
                t1 = time.perf_counter_ns()
                times[i] = t1 - t0
            foreign = fc.stop()
            s = sorted(times)
            medians.append(s[a.steps // 2]); means.append(sum(times) / a.steps); p90s.append(s[int(a.steps * 0.9)])
            foreigns.append(foreign)
            print(f'  pass {p + 1}: median {s[a.steps // 2]} ns/step, mean {sum(times) / a.steps:.0f}, '
                  f'p90 {s[int(a.steps * 0.9)]}, min {s[0]}; foreign cpu {foreign:.2f}')
    med = statistics.median
    print(f'[T={a.threads}] torch {torch.__version__} W5 stream (nn.LSTM(128) + Linear(10) + softmax, batch 1, hx, '
          f'one step a call, {a.steps} calls x {a.passes} passes): median of the pass medians {med(medians) / 1e3:.3f} us/step '
          f'(pass medians {" ".join(f"{m / 1e3:.3f}" for m in medians)}), mean {med(means) / 1e3:.3f}, '
          f'p90 {med(p90s) / 1e3:.3f}; foreign cpu {med(foreigns):.2f}')


if __name__ == '__main__':
    main()
