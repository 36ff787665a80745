"""Part experts' file adapter with SMPL-X sizes (outputs of real experts such as DECA), on the session's SMPL-X test model."""
import numpy as np
import pytest
import torch

from furpe.body import ANNY_SPEC, SMPLX_JOINT_NAMES
from furpe.experts import ExpertFileError, head_chain, load_expert_outputs, save_expert_outputs


def test_head_chain_smplx(smplx_body):
    assert [SMPLX_JOINT_NAMES[j + 1] for j in head_chain(smplx_body)] == ['spine1', 'spine2', 'spine3', 'neck', 'head']


def test_deca_like_file_with_smplx_sizes(tmp_path, smplx_body):
    spec, N = smplx_body.spec, 3
    aa = np.zeros((N, spec.n_face, 3), np.float32); aa[:, 0, 0] = 0.2          # DECA-style axis-angle: jaw open, eyes at rest
    np.savez(tmp_path / 'deca.npz', image_id=np.array(['a', 'b', 'c']), part=np.array(['face'] * N), face_pose=aa,
             expression=np.zeros((N, spec.n_expression), np.float32), features=np.ones((N, 7), np.float32))
    out = load_expert_outputs(tmp_path / 'deca.npz', spec=spec)
    assert out.params['face_pose'].shape == (N, spec.n_face, 3, 3) and out.features.shape == (N, 7) and out.valid.all()
    with pytest.raises(ExpertFileError, match=r"deca\.npz: field 'face_pose' is float32\(3, 3, 3\); expected"):   # SMPL-X sizes do not fit Anny's
        load_expert_outputs(tmp_path / 'deca.npz', spec=ANNY_SPEC)
    back = load_expert_outputs(save_expert_outputs(tmp_path / 'again.npz', out, spec=spec), spec=spec)
    assert back.image_ids == ['a', 'b', 'c'] and torch.allclose(back.params['face_pose'], out.params['face_pose'])
    p = smplx_body.zero_params(N); p.face_pose, p.expression = out.params['face_pose'], out.params['expression']
    with torch.no_grad(): assert torch.isfinite(smplx_body(p).vertices).all()
