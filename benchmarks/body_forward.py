"""Bodies per second through furpe's body-model layer, against the raw packages measured in the same run.

    python benchmarks/body_forward.py [--repeats 20] [--threads 2]

For AnnyBody and SMPLXBody (on the generated SMPL-X-format file) at batch 1 and 64: forward passes
without gradient (the data-generation and evaluation path). The reference row is the raw package call
(`anny.Anny.forward` with the same deltas; `smplx.SMPLXLayer.forward`), so `wrapper/raw` is furpe's
overhead; the target of 1,000 bodies/s at batch 64 (on a 2-core machine) is printed with the ratio.
"""
import argparse, contextlib, io, tempfile, time
from pathlib import Path

import torch

TARGET_B64 = 1000.0


def bodies_per_second(fn, batch, repeats):
    "Median bodies/s over `repeats` calls after two warm-up calls."
    with torch.no_grad():
        fn(); fn()
        times = []
        for _ in range(repeats):
            t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    times.sort()
    return batch / times[len(times) // 2]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--repeats', type=int, default=20)
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from furpe.body import get_body_model, SMPLXBody, write_smplx_test_model, random_params
    anny = get_body_model('anny')
    d = Path(tempfile.mkdtemp()); write_smplx_test_model(d / 'SMPLX_NEUTRAL.npz')
    with contextlib.redirect_stdout(io.StringIO()):
        smplx = SMPLXBody(d)
    rows = []
    for model in (anny, smplx):
        for B in (1, 64):
            p = random_params(model, B, generator=torch.Generator().manual_seed(0))
            wrapped = bodies_per_second(lambda: model(p), B, a.repeats)
            if model.name == 'anny':
                D = model._local_deltas(p)
                raw = bodies_per_second(lambda: model.model(D, phenotype_kwargs=p.betas, facial_actions=p.expression), B, a.repeats)
            else:
                eye = torch.eye(3).expand(B, 1, 3, 3)
                raw = bodies_per_second(lambda: model.layer(betas=p.betas, expression=p.expression, global_orient=eye,
                    body_pose=p.body_pose, left_hand_pose=p.left_hand_pose, right_hand_pose=p.right_hand_pose,
                    jaw_pose=p.face_pose[:, :1], leye_pose=p.face_pose[:, 1:2], reye_pose=p.face_pose[:, 2:]), B, a.repeats)
            rows.append((model.name, B, wrapped, raw))
    print(f'threads={a.threads} repeats={a.repeats} torch={torch.__version__}')
    print(f"{'model':<8}{'batch':>6}{'furpe bodies/s':>16}{'raw bodies/s':>14}{'furpe/raw':>11}{'vs target':>11}")
    for name, B, w, r in rows:
        target = f'{w / TARGET_B64:.2f}x' if B == 64 else ''
        print(f'{name:<8}{B:>6}{w:>16.0f}{r:>14.0f}{w / r:>11.2f}{target:>11}')
    print(f'target: {TARGET_B64:.0f} bodies/s at batch 64 (ratio < 1 misses it by that factor)')


if __name__ == '__main__':
    main()
