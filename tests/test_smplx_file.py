"""The SMPL-X path on a generated model file in the true SMPL-X format, read by the real `smplx` loader."""
import contextlib, io, shutil

import numpy as np
import pytest
import smplx
import torch

from furpe.body import SMPLXBody, KEYPOINT_NAMES, find_smplx_file


def test_file_has_the_smplx_layout(smplx_dir):
    d = np.load(smplx_dir / 'SMPLX_NEUTRAL.npz', allow_pickle=True)
    assert d['v_template'].shape == (10475, 3)
    assert d['J_regressor'].shape == (55, 10475) and d['weights'].shape == (10475, 55)
    assert d['shapedirs'].shape == (10475, 3, 400) and d['posedirs'].shape == (10475, 3, 486)
    assert d['kintree_table'].shape == (2, 55) and d['f'].max() < 10475
    assert d['lmk_faces_idx'].shape == (51,) and d['dynamic_lmk_faces_idx'].shape == (79, 17)
    np.testing.assert_allclose(d['J_regressor'].sum(1), 1, atol=1e-6)
    np.testing.assert_allclose(d['weights'].sum(1), 1, atol=1e-6)


def test_loads_with_smplx_create(smplx_dir):
    "The generic `smplx.create` entry point (axis-angle API) reads the file too."
    with contextlib.redirect_stdout(io.StringIO()):
        model = smplx.create(str(smplx_dir / 'SMPLX_NEUTRAL.npz'), model_type='smplx', gender='neutral', ext='npz', use_pca=False)
    out = model(return_verts=True)
    np.testing.assert_allclose(out.vertices[0].detach().numpy(),
                               np.load(smplx_dir / 'SMPLX_NEUTRAL.npz')['v_template'], atol=1e-5)


def test_same_pose_through_smplx_create_and_furpe(smplx_dir, smplx_body):
    "furpe's rotation-matrix wrapper and smplx's own axis-angle API agree on a random pose."
    g = torch.Generator().manual_seed(0)
    aa = 0.3 * torch.randn(1, 21, 3, generator=g)
    with contextlib.redirect_stdout(io.StringIO()):
        ref = smplx.create(str(smplx_dir / 'SMPLX_NEUTRAL.npz'), model_type='smplx', ext='npz', use_pca=False, flat_hand_mean=True)
    v_ref = ref(body_pose=aa.reshape(1, -1)).vertices
    p = smplx_body.zero_params(1)
    from furpe.body import axis_angle_to_matrix
    p.body_pose = axis_angle_to_matrix(aa)
    torch.testing.assert_close(smplx_body(p).vertices, v_ref, atol=1e-5, rtol=0)


def test_missing_model_file_says_where_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv('FURPE_SMPLX_DIR', str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r'SMPLX_NEUTRAL\.npz.*smpl-x\.is\.tue\.mpg\.de'):
        find_smplx_file()
    monkeypatch.delenv('FURPE_SMPLX_DIR')
    with pytest.raises(FileNotFoundError, match='FURPE_SMPLX_DIR'):
        SMPLXBody()


def test_download_layout_is_found(tmp_path, smplx_dir):
    "The folder as SMPL-X's download unpacks it (models/smplx/SMPLX_NEUTRAL.npz) works as well as a flat one."
    (tmp_path / 'smplx').mkdir(); shutil.copy(smplx_dir / 'SMPLX_NEUTRAL.npz', tmp_path / 'smplx')
    assert find_smplx_file(tmp_path) == tmp_path / 'smplx' / 'SMPLX_NEUTRAL.npz'


def test_corrupt_model_file_is_named(tmp_path, smplx_dir):
    bad = tmp_path / 'SMPLX_NEUTRAL.npz'
    bad.write_bytes((smplx_dir / 'SMPLX_NEUTRAL.npz').read_bytes()[:5000])   # truncated download
    with pytest.raises(ValueError, match='not a readable SMPL-X model file'):
        SMPLXBody(tmp_path)


def test_keypoints_follow_the_mesh(smplx_body):
    "Raising the left arm moves the left-hand keypoints up and leaves the right hand alone."
    from furpe.body import axis_angle_to_matrix
    p = smplx_body.zero_params(1)
    rest = smplx_body(p).keypoints3d[0]
    p.body_pose[0, 15] = axis_angle_to_matrix(torch.tensor([0., 0., 1.0]))   # left shoulder (joint 16 → body_pose 15)
    moved = smplx_body(p).keypoints3d[0]
    lw, rw = KEYPOINT_NAMES.index('left_wrist'), KEYPOINT_NAMES.index('right_wrist')
    assert moved[lw, 1] > rest[lw, 1] + 0.2
    torch.testing.assert_close(moved[rw], rest[rw])
