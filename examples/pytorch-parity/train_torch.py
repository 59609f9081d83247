#!/usr/bin/python3
"""The PyTorch half of the PSRnn parity check (run by Invoke-Parity.ps1).

Loads the data and the *initial* weights that PSRnn exported, builds the same model in PyTorch
(nn.LSTM -> nn.LSTM -> nn.Linear, softmax fused into the cross-entropy), trains it in float32 with Keras's Adam
written out, on the same batches in the same order (no shuffling), for the same epochs, and prints per-epoch
train loss, per-epoch test loss/accuracy and the final test loss/accuracy as JSON on stdout.

Weight mapping (Keras layout -> PyTorch), gate order i, f, c(g), o in both:
    weight_ih_l0 = kernel.T  (4U, F)      weight_hh_l0 = recurrent_kernel.T  (4U, U)
    bias_ih_l0   = bias      (4U)         bias_hh_l0   = 0, frozen (Keras has one bias; training both copies of
                                                         it would double its effective Adam step)
    Linear.weight = kernel.T, Linear.bias = bias

Needs Debian's python3-torch (1.13) and python3-numpy: always run with /usr/bin/python3.
Usage: /usr/bin/python3 train_torch.py <folder> [--dtype float64] [--perturb 1e-7] [--no-compare]
       <folder> is the one Invoke-Parity.ps1 wrote: config.json, data.npz, initial_weights.npz; optionally
       psrnn_final_weights.npz, compared with the weights PyTorch ends with.
       --dtype float64 and --perturb (multiply every initial weight by 1 + r*N(0,1)) are for measuring how far
       PyTorch drifts from itself: the noise floor against which the PSRnn - PyTorch differences are judged.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch


class Seed(torch.nn.Module):
    def __init__(self, features, units, classes):
        super().__init__()
        self.lstm = torch.nn.LSTM(features, units, batch_first=True)
        self.lstm_1 = torch.nn.LSTM(units, units, batch_first=True)
        self.dense = torch.nn.Linear(units, classes)

    def forward(self, x):
        h, _ = self.lstm(x)            # return_sequences=True
        h, _ = self.lstm_1(h)
        return self.dense(h[:, -1, :])  # the last step only; logits (softmax fused into the loss)


def load_keras_weights(model, w):
    with torch.no_grad():
        for name in ("lstm", "lstm_1"):
            lstm = getattr(model, name)
            lstm.weight_ih_l0.copy_(torch.from_numpy(w[f"{name}/kernel"].T.copy()))
            lstm.weight_hh_l0.copy_(torch.from_numpy(w[f"{name}/recurrent_kernel"].T.copy()))
            lstm.bias_ih_l0.copy_(torch.from_numpy(w[f"{name}/bias"]))
            lstm.bias_hh_l0.zero_()
            lstm.bias_hh_l0.requires_grad_(False)
        model.dense.weight.copy_(torch.from_numpy(w["dense/kernel"].T.copy()))
        model.dense.bias.copy_(torch.from_numpy(w["dense/bias"]))


def keras_weights(model):
    out = {}
    for name in ("lstm", "lstm_1"):
        lstm = getattr(model, name)
        out[f"{name}/kernel"] = lstm.weight_ih_l0.detach().numpy().T
        out[f"{name}/recurrent_kernel"] = lstm.weight_hh_l0.detach().numpy().T
        out[f"{name}/bias"] = (lstm.bias_ih_l0 + lstm.bias_hh_l0).detach().numpy()
    out["dense/kernel"] = model.dense.weight.detach().numpy().T
    out["dense/bias"] = model.dense.bias.detach().numpy()
    return out


class KerasAdam:
    """Keras's Adam, exactly as Keras writes it (epsilon outside the bias correction):
    alpha = lr*sqrt(1-b2^t)/(1-b1^t); m += (g-m)(1-b1); v += (g^2-v)(1-b2); w -= alpha*m/(sqrt(v)+eps).
    torch.optim.Adam puts eps after the bias correction of v, which differs early in training."""

    def __init__(self, params, lr=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.params = [p for p in params if p.requires_grad]
        self.lr, self.b1, self.b2, self.eps = lr, beta_1, beta_2, epsilon
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]
        self.t = 0

    @torch.no_grad()
    def step(self):
        self.t += 1
        alpha = self.lr * math.sqrt(1 - self.b2 ** self.t) / (1 - self.b1 ** self.t)
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad
            m.add_((g - m) * (1 - self.b1))
            v.add_((g * g - v) * (1 - self.b2))
            p.sub_(alpha * m / (v.sqrt() + self.eps))

    def zero_grad(self):
        for p in self.params:
            p.grad = None


@torch.no_grad()
def evaluate(model, x, y, batch_size):
    loss_sum, correct = 0.0, 0
    for start in range(0, len(x), batch_size):
        xb, yb = x[start:start + batch_size], y[start:start + batch_size]
        logits = model(xb)
        loss_sum += float(torch.nn.functional.cross_entropy(logits, yb)) * len(xb)
        correct += int((logits.argmax(dim=1) == yb).sum())
    return loss_sum / len(x), correct / len(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--perturb", type=float, default=0.0)
    ap.add_argument("--no-compare", action="store_true")
    args = ap.parse_args()
    folder = args.folder
    dtype = getattr(torch, args.dtype)
    npdtype = np.float32 if args.dtype == "float32" else np.float64
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    torch.manual_seed(0)  # nothing random is drawn below; set anyway
    torch.set_num_threads(cfg.get("threads", os.cpu_count()))
    data = np.load(os.path.join(folder, "data.npz"))
    x_train = torch.from_numpy(data["x_train"].astype(npdtype))
    y_train = torch.from_numpy(data["y_train"].astype(np.int64))
    x_test = torch.from_numpy(data["x_test"].astype(npdtype))
    y_test = torch.from_numpy(data["y_test"].astype(np.int64))
    w0 = {k: v.astype(npdtype) for k, v in np.load(os.path.join(folder, "initial_weights.npz")).items()}
    if args.perturb:
        rng = np.random.default_rng(1)
        w0 = {k: (v * (1 + args.perturb * rng.standard_normal(v.shape))).astype(npdtype) for k, v in w0.items()}

    model = Seed(x_train.shape[2], cfg["units"], cfg["classes"]).to(dtype)
    load_keras_weights(model, w0)
    opt = KerasAdam(model.parameters(), lr=cfg["learning_rate"])
    bs = cfg["batch_size"]

    initial_test_loss, initial_test_acc = evaluate(model, x_test, y_test, bs)
    epochs = []
    batch_losses = []
    clock = time.perf_counter()
    for epoch in range(1, cfg["epochs"] + 1):
        start_epoch = time.perf_counter()
        loss_sum = 0.0
        correct = 0
        for start in range(0, len(x_train), bs):  # batches in file order, as PSRnn with -Shuffle:$false
            xb, yb = x_train[start:start + bs], y_train[start:start + bs]
            opt.zero_grad()
            logits = model(xb)
            loss = torch.nn.functional.cross_entropy(logits, yb)  # mean over the batch, as Keras
            loss.backward()
            opt.step()
            loss_sum += float(loss) * len(xb)
            batch_losses.append(float(loss))
            correct += int((logits.argmax(dim=1) == yb).sum())
        test_loss, test_acc = evaluate(model, x_test, y_test, bs)
        epochs.append({"epoch": epoch, "loss": loss_sum / len(x_train), "accuracy": correct / len(x_train),
                       "test_loss": test_loss, "test_accuracy": test_acc,
                       "seconds": time.perf_counter() - start_epoch})
    train_seconds = time.perf_counter() - clock
    test_loss, test_acc = evaluate(model, x_test, y_test, bs)

    result = {
        "framework": f"PyTorch {torch.__version__} (NumPy {np.__version__}), {torch.get_num_threads()} threads, "
                     f"{args.dtype}" + (f", initial weights perturbed by {args.perturb:g}" if args.perturb else ""),
        "initial_test_loss": initial_test_loss, "initial_test_accuracy": initial_test_acc,
        "epochs": epochs, "batch_losses": batch_losses, "test_loss": test_loss, "test_accuracy": test_acc, "train_seconds": train_seconds,
    }
    final_psrnn = os.path.join(folder, "psrnn_final_weights.npz")
    if os.path.exists(final_psrnn) and not args.no_compare:
        theirs = {k: v.astype(npdtype) for k, v in np.load(final_psrnn).items()}
        mine = keras_weights(model)
        result["final_weight_max_abs_diff"] = {k: float(np.max(np.abs(mine[k] - theirs[k]))) for k in mine}
        result["final_weight_max_abs"] = {k: float(np.max(np.abs(mine[k]))) for k in mine}
        # Test predictions on which the two models disagree (argmax), from PSRnn's final weights loaded here.
        other = Seed(x_train.shape[2], cfg["units"], cfg["classes"]).to(dtype)
        load_keras_weights(other, theirs)
        with torch.no_grad():
            a = model(x_test).argmax(dim=1)
            b = other(x_test).argmax(dim=1)
        result["test_predictions_differing"] = int((a != b).sum())
    # Also kept in the folder, so a long run's figures survive its caller.
    tag = args.dtype + (f"_perturbed_{args.perturb:g}" if args.perturb else "")
    with open(os.path.join(folder, f"torch_{tag}.json"), "w") as f:
        json.dump(result, f, indent=1)
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
