"""Photographs → meshes per second at batch 1 (one-stage student), stage by stage, against the body model measured in the same run.

    python benchmarks/predict_throughput.py [--repeats 10] [--threads 2] [--network one_stage]

On skimage's astronaut (512 px) with the MediaPipe keypoints stored in nbs/fixtures/ (so no detector runs): the
student alone (crop + network, `benchmarks.NetworkPredictor`), then `predict.predict_people` (+ the body model and the
camera), then `predict.write_person` (+ the .obj, .json and the rendered overlay). The network is the `cpu` profile's,
freshly initialised: its speed does not depend on its weights. The reference row is Anny's forward pass at batch 1,
the floor under any photo → mesh step. The target (30 images/s at batch 1) is printed with the ratio.
"""
import argparse, json, tempfile, time
from pathlib import Path

import numpy as np
import torch

TARGET = 30.0
ROOT = Path(__file__).resolve().parents[1]


def per_second(fn, repeats):
    "Median calls/s over `repeats` calls after two warm-up calls."
    fn(); fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    return 1 / sorted(times)[len(times) // 2]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--repeats', type=int, default=10)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--network', default='one_stage')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from skimage import data
    from furpe.benchmarks import NetworkPredictor
    from furpe.body import get_body_model, rest_params
    from furpe.geometry import default_intrinsics
    from furpe.keypoints import read_openpose_json
    from furpe.predict import predict_people, write_person
    from furpe.train import TrainConfig, build_student
    image = data.astronaut()
    kp = read_openpose_json(ROOT / 'nbs' / 'fixtures' / 'astronaut_keypoints.json')[:1]
    K = default_intrinsics(image.shape[1], image.shape[0])
    net = build_student(TrainConfig.for_profile('cpu', network=a.network)).eval()
    body = get_body_model('anny')
    rest = rest_params(body.spec, 1)
    out = Path(tempfile.mkdtemp())
    with torch.no_grad():
        rows = [('body model forward (reference)', per_second(lambda: body(rest), a.repeats)),
                ('student: crop + network', per_second(lambda: NetworkPredictor(net)([image], kp, K[None]), a.repeats)),
                ('+ body model and camera', per_second(lambda: predict_people(net, image, kp, K, body_model=body), a.repeats))]
        person = predict_people(net, image, kp, K, body_model=body)[0]
        rows.append(('+ .obj, .json and overlay', 1 / (1 / rows[-1][1] + 1 / per_second(lambda: write_person(out, 0, image, person), a.repeats))))
    ref = rows[0][1]
    print(f'threads={a.threads} repeats={a.repeats} network={a.network} torch={torch.__version__} image={image.shape[1]}x{image.shape[0]}')
    print(f"{'stage':<34}{'images/s':>10}{'vs body model':>15}{'vs target':>11}")
    for name, v in rows: print(f'{name:<34}{v:>10.2f}{v / ref:>15.3f}{v / TARGET:>11.3f}')
    print(f'target: {TARGET:.0f} images/s at batch 1, photo → mesh (ratio < 1 misses it by that factor)')


if __name__ == '__main__': main()
