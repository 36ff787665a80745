"""Pseudo-label generation from the command line: one process, and two processes under torchrun writing their own shards."""
import os, shutil, subprocess, sys
from pathlib import Path

import numpy as np
import pytest

from furpe.data import open_dataset
from furpe.synth import generate_domain


@pytest.fixture(scope='module')
def tiny_world(tmp_path_factory):
    "A two-shard smoke pool and briefly trained detector and experts (the numbers mean nothing; the plumbing is real)."
    from furpe.experts import EXPERT_KINDS, ExpertConfig, LossModels, train_expert
    from furpe.keypoints import save_detector, train_detector
    root = tmp_path_factory.mktemp('label')
    data, models = root / 'data', root / 'models'
    generate_domain(data, 'h36m', 'train', 'smoke', seed=0, workers=1, shard_size=4)
    for d in ('body_part', 'hand_part', 'face_part', 'curated'): generate_domain(data, d, 'train', 'smoke', seed=0, workers=1)
    tiny = dict(widths=(8, 16, 16, 32, 32), hidden=32, crop_size=64, keypoint_hidden=32)
    lm = LossModels()
    for k in EXPERT_KINDS:
        train_expert(k, data, config=ExpertConfig(kind=k, steps=2, batch=4, **tiny), device='cpu', out=models / 'experts' / k, models=lm)
    save_detector(train_detector(open_dataset(data, 'curated'), steps=2, batch=2, device='cpu', width=8), models / 'detector.pt')
    return data, models


def _label(data, models, nproc=None):
    env = {**os.environ, 'FURPE_QUIET': '1'}
    cmd = [sys.executable, '-m', 'furpe.cli', 'label', '--profile', 'smoke', '--pools', 'h36m', '--models', str(models), '--data', str(data)]
    if nproc: cmd = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', str(nproc), '--master_port', '29531'] + cmd[1:]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return r.stdout


def test_label_one_process_and_torchrun_agree(tiny_world, tmp_path):
    data, models = tiny_world
    one, two = tmp_path / 'one', tmp_path / 'two'
    for d in (one, two):
        d.mkdir()
        for name in ('h36m', 'curated'): shutil.copytree(data / name, d / name)
    _label(one, models)
    out = _label(two, models, nproc=2)
    assert 'rank 0/2' in out and 'rank 1/2' in out and 'curated labelled' in out
    for name in ('h36m_pseudo', 'curated_pseudo'):   # curated in the same pass: its records read these detections in training
        a, b = open_dataset(one, name), open_dataset(two, name)
        assert len(a) == len(b) == 8
        for i in range(len(a)):
            for k in ('keypoints2d', 'body_pose', 'right_hand_pose', 'expression', 'features_face', 'reprojection_cm'):
                np.testing.assert_allclose(a.get(i, k), b.get(i, k), rtol=1e-4, atol=1e-4)  # torchrun runs 1 thread per process: float sums reorder
    assert open_dataset(one, 'h36m_pseudo').card.num_shards == 2
    from furpe.keypoints import detect_batch, load_detector
    cur = open_dataset(one, 'curated')
    det = detect_batch(load_detector(models / 'detector.pt'), [cur.get(i, 'image') for i in range(len(cur))], refine=1)
    np.testing.assert_allclose(np.stack([open_dataset(one, 'curated_pseudo').get(i, 'keypoints2d') for i in range(len(cur))]), det, atol=1e-3)
    from furpe.mixture import open_curated_detections
    assert len(open_curated_detections(one, 'curated', len(cur))) == len(cur)
    with pytest.raises(ValueError, match="relabel 'curated'"): open_curated_detections(one, 'curated', len(cur) + 1)   # a regenerated curated set


def test_label_without_models_says_what_to_do(tmp_path):
    r = subprocess.run([sys.executable, '-m', 'furpe.cli', 'label', '--profile', 'smoke', '--models', str(tmp_path)],
                       capture_output=True, text=True)
    assert r.returncode != 0 and 'Missing trained models' in r.stderr and '02_experts_selection' in r.stderr
