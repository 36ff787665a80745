"""Part experts' file adapter with SMPL-X sizes (outputs of real experts such as DECA), on the session's SMPL-X test model."""
import numpy as np
import pytest
import torch

from furpe.body import ANNY_SPEC, SMPLX_JOINT_NAMES, joint_chain
from furpe.experts import ExpertFileError, load_expert_outputs, save_expert_outputs


def test_head_chain_smplx(smplx_body):
    assert [SMPLX_JOINT_NAMES[j + 1] for j in joint_chain(smplx_body, "head")] == ['spine1', 'spine2', 'spine3', 'neck', 'head']


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


def _far_crops():
    "Crop maps far off the centre of a 640 × 480 image (one turned), with the image's intrinsics."
    from furpe.geometry import crop_matrix
    K = np.array([500., 500., 320., 240.], np.float32)
    A = np.stack([crop_matrix(np.array([600., 60.]), 120, 128, 0.4), crop_matrix(np.array([25., 460.]), 90, 128, -0.5),
                  crop_matrix(np.array([620., 250.]), 150, 128, 0.)])
    return A, np.stack([K] * 3)


def test_ray_corrected_orientation_is_camera_frame_far_off_centre():
    import roma
    from furpe.experts import assemble_output, crop_frame
    from furpe.geometry import mirror_rotations
    A, K = _far_crops(); C = crop_frame(A, K, 128)
    truth = roma.random_rotmat(3, generator=torch.Generator().manual_seed(0))
    assert torch.rad2deg(roma.rotmat_geodesic_distance(C.transpose(-1, -2) @ truth, truth)).min() > 15   # far off: the crop frame differs
    face = assemble_output('face', {'face_pose': torch.eye(3).expand(3, 2, 3, 3), 'expression': torch.zeros(3, 52),
                                    'head_orient': C.transpose(-1, -2) @ truth}, torch.zeros(3, 0), ['face'] * 3, C)
    assert torch.allclose(face.extras['head_orient'], truth, atol=1e-5)
    parts = ['left_hand', 'right_hand', 'left_hand']; left = torch.tensor([p == 'left_hand' for p in parts])[:, None, None]
    target = C.transpose(-1, -2) @ truth
    target = torch.where(left, mirror_rotations(target), target)                  # left hands are read from flipped crops
    hand = assemble_output('hand', {'hand_pose': torch.eye(3).expand(3, 19, 3, 3), 'global_orient': target}, torch.zeros(3, 0), parts, C)
    assert torch.allclose(hand.extras['hand_orient'], truth, atol=1e-5)


def test_mirrored_left_hand_is_a_right_hand():
    from furpe.body import compose_merge, chain_orientation, get_body_model, joint_chain, random_params, KEYPOINT_PARTS
    from furpe.geometry import mirror_rotations
    body = get_body_model('anny'); p = random_params(body, 2, 0.5, torch.Generator().manual_seed(1))
    R = chain_orientation(p.global_orient, p.body_pose, joint_chain(body, 'left_wrist'))
    parts = p.split(); parts['right_hand'] = {'right_hand_pose': mirror_rotations(p.left_hand_pose)}
    q = compose_merge(parts, {'right_wrist': mirror_rotations(R)}, body)
    with torch.no_grad(): kp, kq = body(p).keypoints3d, body(q).keypoints3d
    rel = lambda k, part: k[:, KEYPOINT_PARTS[part]] - k[:, KEYPOINT_PARTS[part]][:, :1]
    assert torch.allclose(rel(kq, 'right_hand'), rel(kp, 'left_hand') * torch.tensor([-1., 1., 1.]), atol=1e-4)
    assert not torch.allclose(rel(kq, 'right_hand'), rel(kp, 'left_hand'), atol=1e-2)


@pytest.mark.parametrize('name', ['anny', 'smplx'])
def test_split_crop_frame_merge_returns_the_body(name, smplx_body):
    from furpe.body import CHAIN_JOINTS, chain_orientation, get_body_model, joint_chain, random_params
    from furpe.experts import assemble_output, crop_frame
    from furpe.geometry import mirror_rotations
    from furpe.selection import merge_outputs
    body = get_body_model('anny') if name == 'anny' else smplx_body
    A, K = _far_crops(); C = crop_frame(A, K, 128); B = 3; f = torch.zeros(B, 0)
    G = random_params(body, B, 0.4, torch.Generator().manual_seed(2)); G.transl = torch.zeros_like(G.transl)
    truth = {j: chain_orientation(G.global_orient, G.body_pose, joint_chain(body, j)) for j in CHAIN_JOINTS}
    wrong = G.body_pose.clone(); wrong[:, [joint_chain(body, j)[-1] for j in CHAIN_JOINTS]] = torch.eye(3)
    outs = {'body': assemble_output('body', {'global_orient': G.global_orient, 'body_pose': wrong, 'betas': G.betas, 'camera': G.camera}, f, ['body'] * B),
            'face': assemble_output('face', {'face_pose': G.face_pose, 'expression': G.expression,
                                             'head_orient': C.transpose(-1, -2) @ truth['head']}, f, ['face'] * B, C),
            'left_hand': assemble_output('hand', {'hand_pose': mirror_rotations(G.left_hand_pose),
                                                  'global_orient': mirror_rotations(C.transpose(-1, -2) @ truth['left_wrist'])}, f, ['left_hand'] * B, C),
            'right_hand': assemble_output('hand', {'hand_pose': G.right_hand_pose,
                                                   'global_orient': C.transpose(-1, -2) @ truth['right_wrist']}, f, ['right_hand'] * B, C)}
    with torch.no_grad():
        v, vc, vp = body(G).vertices, body(merge_outputs(outs, body)).vertices, body(merge_outputs(outs, body, compose=())).vertices
    assert (vc - v).norm(dim=-1).max() < 1e-4
    assert (vp - v).norm(dim=-1).max() > 1e-2
