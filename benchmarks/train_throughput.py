"""Training and inference images/s of both whole-body networks, FLOPs per image and achieved GFLOP/s, against a plain matmul measured in the same run.

    python benchmarks/train_throughput.py [--batch 8] [--repeats 5] [--threads 1] [--devices cpu cuda] [--root data/smoke]

For each device (CPU, and CUDA when torch sees one) and each network (`one_stage`, `two_stage`):

- train:     one optimiser step of `furpe.train.train_step` on a random batch of 256-px body crops (one view): network
             forward and backward, Anny posed with the prediction for the 2D keypoint loss, Adam. images/s = crops/s.
- train+EMA: the full method: two views per record, expert-feature distillation and the EMA teacher's forward;
             images/s counts the student's crops (2 per record).
- infer:     `furpe.networks.time_forward`: network forward without gradients, then Anny on its output (eval mode).

FLOPs per image are `count_flops` (the network's inference forward; convolutions and matrix products, Anny not
counted). A training step is taken as 3× the forward's FLOPs (forward + backward ≈ 2× forward), so the train rows'
GFLOP/s are an effective rate of the whole step (Anny, losses, Adam and the teacher included in the time but not in
the FLOPs). The reference is an n×n float32 matmul on the same device with the same threads (2n³ FLOPs); `ratio` is the
row's GFLOP/s over the matmul's. With --root, the data pipeline (`WholeBodyData` items: read, crop, augment) is timed too.
"""
import argparse, os, statistics, time
from pathlib import Path

import torch


def _sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize(dev)


def median_time(fn, dev, repeats: int, warmup: int = 2) -> float:
    "Median seconds of `fn()` over `repeats` calls after `warmup` calls."
    for _ in range(warmup): fn()
    _sync(dev); ts = []
    for _ in range(repeats):
        t = time.perf_counter(); fn(); _sync(dev); ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def matmul_gflops(dev, n: int, repeats: int) -> float:
    "GFLOP/s of an n×n float32 matmul."
    a, b = torch.randn(n, n, device=dev), torch.randn(n, n, device=dev)
    return 2 * n ** 3 / median_time(lambda: a @ b, dev, repeats) / 1e9


def train_images_per_s(kind: str, dev, batch: int, repeats: int, full: bool) -> float:
    "Student crops per second through whole optimiser steps."
    from furpe.body import PARTS, get_body_model
    from furpe.ema import EMATeacher
    from furpe.losses import FeatureDistillation
    from furpe.networks import build_network
    from furpe.train import TrainConfig, _objective, example_batch, train_step
    body = get_body_model('anny', device=dev)
    net = build_network(kind, seed=0).to(dev).train()
    cfg = TrainConfig(network=kind, ema=full, features=full)
    views, fd = (2, {p: 256 for p in PARTS}) if full else (1, None)
    b = example_batch(batch, views=views, feature_dims=fd)
    b = {k: ({kk: vv.to(dev) for kk, vv in v.items()} if isinstance(v, dict) else v.to(dev)) for k, v in b.items()}
    distill = FeatureDistillation({p: (net.feature_dims[p], 256) for p in PARTS}).to(dev) if full else None
    teacher = EMATeacher(net) if full else None
    opt = torch.optim.Adam(net.parameters(), 1e-5)

    def step():
        losses, _ = train_step(net, b, body, cfg, distill, teacher)
        opt.zero_grad(set_to_none=True); _objective(losses, cfg).backward(); opt.step()
        if teacher is not None: teacher.update(net)
    return batch * views / median_time(step, dev, repeats)


def data_items_per_s(root: Path, n: int) -> float:
    "WholeBodyData items per second (one augmented 256-px view), main process."
    from furpe.mixture import WholeBodyData
    ds = WholeBodyData(root, (), seed=0)
    t = time.perf_counter()
    for i in range(n): ds[(i % len(ds), i)]
    return n / (time.perf_counter() - t)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--batch', type=int, default=8, help='records per step (CUDA: 4× this)')
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--devices', nargs='*', default=None, help='default: cpu, and cuda when available')
    ap.add_argument('--networks', nargs='*', default=['one_stage', 'two_stage'])
    ap.add_argument('--root', default=None, help='a datasets folder (e.g. data/smoke) to time the data pipeline too')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    os.environ.setdefault('FURPE_QUIET', '1')
    import pandas as pd
    from furpe.body import get_body_model
    from furpe.networks import build_network, count_flops, network_inputs, time_forward
    devices = a.devices or ['cpu'] + (['cuda'] if torch.cuda.is_available() else [])
    rows, refs = [], {}
    for name in devices:
        dev = torch.device(name)
        B = a.batch * (4 if dev.type == 'cuda' else 1)
        ref = refs[name] = matmul_gflops(dev, 1024 if dev.type == 'cpu' else 8192, a.repeats)
        body = get_body_model('anny', device=dev)
        for kind in a.networks:
            net = build_network(kind, seed=0).to(dev)
            inp = network_inputs(torch.rand(B, 3, 256, 256, device=dev), net.input_sizes)
            flops = count_flops(net, inp)
            inf = time_forward(net, inp, body, repeats=a.repeats, warmup=2)
            net_ips = 1000 * B / inf['network_ms']
            for mode, ips, gf in (('infer', inf['images_per_s'], flops * net_ips / 1e9),
                                  ('train', train_images_per_s(kind, dev, B, a.repeats, False), None),
                                  ('train+EMA', train_images_per_s(kind, dev, B, a.repeats, True), None)):
                gf = gf if gf is not None else 3 * flops * ips / 1e9
                rows.append({'device': name, 'network': kind, 'mode': mode, 'batch': B, 'images/s': round(ips, 1),
                             'GFLOPs/image': round(flops / 1e9, 3), 'GFLOP/s': round(gf, 2), 'ratio': round(gf / ref, 3)})
            rows[-3]['note'] = f"network alone {net_ips:.0f} images/s; Anny {inf['body_model_ms']:.1f} ms per batch"
    t = pd.DataFrame(rows).fillna('')
    print(f"torch {torch.__version__}, {a.threads} CPU thread(s), load average {os.getloadavg()[0]:.2f}")
    for name, r in refs.items(): print(f"reference: {name} float32 matmul {r:.1f} GFLOP/s")
    print(t.to_string(index=False))
    print("infer GFLOP/s: the network's forward FLOPs over the network's own time; train rows: 3 × forward FLOPs over the "
          "whole step (Anny, losses, Adam, teacher included). ratio = GFLOP/s ÷ the device's matmul GFLOP/s.")
    if a.root:
        print(f"data pipeline (WholeBodyData, 1 view, main process): {data_items_per_s(Path(a.root), 32):.1f} items/s")


if __name__ == '__main__':
    main()
