"""Render throughput of `furpe.render.render_body`: Anny bodies at 256 px, 1 and 2 worker processes.

Each worker process owns its own offscreen renderer (a GL context does not survive a fork, and
making one costs far more than a frame), so workers are spawned, build their renderer once, and
wait on a barrier before the clock starts. A frame is what the synthetic-data generator needs:
the shaded colour pass over a background plus the segmentation pass (part mask and depth).

    .venv/bin/python benchmarks/render_throughput.py            # 200 bodies, 1 and 2 workers, 3 passes each
    .venv/bin/python benchmarks/render_throughput.py --n 50 --workers 1 2 4 --size 128 --shading pbr

Mesa's llvmpipe already rasterises with several threads (LP_NUM_THREADS, default: all cores),
so on a small machine more worker processes mostly compete for the same cores.
"""
from __future__ import annotations
import argparse, multiprocessing as mp, os, platform, time

import numpy as np

TARGET = 60.  # images per second the synthetic-data generator is budgeted for

_W = {}  # per-worker state: faces, parts, camera, background


def make_bodies(n: int,          # how many bodies
                seed: int = 0    # seed of the random poses and shapes
               ) -> tuple:       # (vertices (n, V, 3) float32, faces (F, 3) int64, part labels (V,) int64)
    "Random Anny bodies, upright and facing the camera about 3.4 m away."
    import torch
    from furpe.body import PARTS, axis_angle_to_matrix, get_body_model, random_params
    from furpe.core import derive_seed
    from furpe.render import R_FACING_CAMERA
    model = get_body_model('anny')
    torch.manual_seed(derive_seed(seed, 'render-throughput') % 2**32)
    p = random_params(model, n, scale=0.2)
    yaw = axis_angle_to_matrix(torch.stack([torch.zeros(n), torch.rand(n) * 1.2 - 0.6, torch.zeros(n)], 1))
    p.global_orient = torch.from_numpy(R_FACING_CAMERA).float() @ yaw
    p.transl = torch.tensor([0., 0.1, 3.4]).repeat(n, 1)
    with torch.no_grad(): v = model(p).vertices.numpy().astype(np.float32)
    parts = np.zeros(v.shape[1], np.int64)
    for i, name in enumerate(PARTS): parts[model.part_vertex_ids[name].numpy()] = i
    return v, model.faces.numpy(), parts


def _init(faces, parts, size, shading, barrier):
    "Worker start-up: build the renderer with one frame, then wait until every worker is ready."
    from furpe.render import Camera, render_body
    cam = Camera.from_fov(size, size, fov_deg=40.)
    bg = np.random.default_rng(os.getpid()).integers(0, 256, (size, size, 3), dtype=np.uint8)
    _W.update(faces=faces, parts=parts, camera=cam, background=bg, render=render_body, shading=shading)
    _render(np.zeros((len(parts), 3), np.float32) + [0., 0., 3.])
    barrier.wait()


def _render(vertices) -> int:
    "One frame: colour over the background, depth and part mask; returns the visible body pixels."
    r = _W['render'](vertices, _W['faces'], _W['camera'], parts=_W['parts'], background=_W['background'], shading=_W['shading'])
    return int((r.part_mask > 0).sum())


def throughput(bodies: np.ndarray, faces: np.ndarray, parts: np.ndarray,
               workers: int,             # worker processes, each with its own renderer
               size: int = 256,          # image width and height, pixels
               shading: str = 'lambert', # `render_body`'s shading: 'lambert' or 'pbr'
               repeats: int = 3          # timed passes over all the bodies, with the same workers
              ) -> list:                 # images per second, one per pass
    "Render every body `repeats` times with `workers` processes; images per second per pass, start-up excluded."
    from furpe.core import progress
    ctx = mp.get_context('spawn')
    barrier = ctx.Barrier(workers + 1)
    rates = []
    with ctx.Pool(workers, initializer=_init, initargs=(faces, parts, size, shading, barrier)) as pool:
        barrier.wait()  # every worker has its renderer
        for k in range(repeats):
            t0 = time.perf_counter()
            pixels = list(progress(pool.imap(_render, bodies, chunksize=1), desc=f'{workers} worker(s), pass {k + 1}/{repeats}',
                                   total=len(bodies)))
            rates.append(len(bodies) / (time.perf_counter() - t0))
            assert min(pixels) > 0, 'a body was not visible'
    return rates


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', type=int, default=200, help='bodies rendered per worker count')
    ap.add_argument('--size', type=int, default=256, help='image width and height, pixels')
    ap.add_argument('--workers', type=int, nargs='+', default=[1, 2], help='worker counts to measure')
    ap.add_argument('--shading', default='lambert', choices=['lambert', 'pbr'], help="render_body's shading")
    ap.add_argument('--repeats', type=int, default=3, help='timed passes per worker count; the median is reported')
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args(argv)
    bodies, faces, parts = make_bodies(a.n, a.seed)
    load = ', '.join(f'{x:.2f}' for x in os.getloadavg())
    print(f'{a.n} Anny bodies ({bodies.shape[1]} vertices, {len(faces)} faces) at {a.size}x{a.size} px, {a.shading} shading; '
          f'{os.cpu_count()} CPUs ({platform.machine()}), load average {load}; LP_NUM_THREADS={os.environ.get("LP_NUM_THREADS", "unset")}')
    rates = {w: throughput(bodies, faces, parts, w, a.size, a.shading, a.repeats) for w in a.workers}
    for w, rs in rates.items():
        rate = float(np.median(rs))
        print(f'{w} worker(s): {rate:.1f} img/s median of {len(rs)} passes (range {min(rs):.1f}-{max(rs):.1f}; '
              f'{1e3 / rate * w:.1f} ms per image per worker); target {TARGET:.0f} img/s: measured {rate:.1f}, ratio {rate / TARGET:.2f}')
    return rates


if __name__ == '__main__':
    main()
