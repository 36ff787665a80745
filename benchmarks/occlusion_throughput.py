"""Self-occlusion without the renderer (`furpe.occlusion.SelfOcclusion`) against the renderer's visibility.

The renderer's visibility comes with a rendered scene (`synth.render_scene`: the colour pass, the segmentation pass
and `synth.keypoint_visibility`); the depth test gives the same rule on a z-buffer of sampled triangles. Both are timed
on the same drawn curated scenes with the body model's pass done once beforehand, in the same run, and their
visibility is compared keypoint by keypoint.

    PYOPENGL_PLATFORM=egl .venv/bin/python benchmarks/occlusion_throughput.py            # 100 scenes
    PYOPENGL_PLATFORM=egl .venv/bin/python benchmarks/occlusion_throughput.py --n 500 --threads 1
"""
from __future__ import annotations
import argparse, time

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--n', type=int, default=100, help='drawn curated scenes')
    ap.add_argument('--threads', type=int, default=0, help='torch threads (0: leave as is)')
    a = ap.parse_args()
    import torch
    from furpe.body import BodyParams, get_body_model
    from furpe.occlusion import SelfOcclusion
    from furpe.synth import render_scene, sample_scenes
    if a.threads: torch.set_num_threads(a.threads)
    model = get_body_model()
    scenes = sample_scenes('curated', range(a.n), 0, model)
    with torch.no_grad(): out = model(BodyParams.cat([s.params for s in scenes]))
    bodies = list(zip(scenes, out.vertices, out.keypoints3d))
    occlusion = SelfOcclusion(model)
    render_scene(*bodies[0][:1], model, tuple(bodies[0][1:]))   # the renderer's context is made once, outside the clock
    t = time.perf_counter(); renderer = np.stack([render_scene(s, model, (v, k))['keypoints2d'][:, 2] for s, v, k in bodies]); t_render = time.perf_counter() - t
    t = time.perf_counter(); tested = np.stack([occlusion(v, k, s.camera) for s, v, k in bodies]); t_test = time.perf_counter() - t
    print(f'threads={torch.get_num_threads()} scenes={a.n} torch={torch.__version__}')
    print(f"{'visibility from':<28}{'scenes/s':>10}{'ms/scene':>10}")
    print(f"{'the renderer (render_scene)':<28}{a.n / t_render:>10.1f}{t_render / a.n * 1e3:>10.1f}")
    print(f"{'the depth test':<28}{a.n / t_test:>10.1f}{t_test / a.n * 1e3:>10.1f}")
    print(f'depth test / renderer speed: {t_render / t_test:.2f}x; agreement on {renderer.size} keypoints: {(renderer == tested).mean():.3f} '
          f'(not visible: renderer {1 - renderer.mean():.3f}, depth test {1 - tested.mean():.3f})')


if __name__ == '__main__':
    main()
