"""The native-format readers (`furpe.readers`) on files from elsewhere: booby-trapped pickles are refused before they run,
and SMPL-X parameters read from CuratedFits and 3DPW pose the real `smplx` model as its own axis-angle API does."""
import contextlib, io, os, pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from furpe.core import UnsafePickleError


class Booby:
    "Unpickling this calls os.system, which creates `marker`."
    def __init__(self, marker: Path): self.marker = marker
    def __reduce__(self): return (os.system, (f'touch {self.marker}',))


def test_payload_is_live(tmp_path):
    "An unrestricted load of the fixture does run its payload (so the refusals below can fail)."
    pickle.loads(pickle.dumps(Booby(tmp_path / 'ran'), protocol=2))
    assert (tmp_path / 'ran').exists()


def test_3dpw_booby_trapped_sequence_is_refused(tmp_path):
    "A 3DPW sequence file hiding a code-running object is refused by `read_pw3d`, naming the file and the global; nothing runs."
    from furpe.readers import read_pw3d, write_pw3d_fixture
    seq = write_pw3d_fixture(tmp_path / '3DPW')
    assert len(read_pw3d(tmp_path / '3DPW')) == 5          # the clean file reads
    path, marker = tmp_path / '3DPW' / 'sequenceFiles' / 'test' / f"{seq['sequence']}.pkl", tmp_path / 'pwned'
    path.write_bytes(pickle.dumps(seq | {'poses': [Booby(marker), seq['poses'][1]]}, protocol=2))
    with pytest.raises(UnsafePickleError, match='system') as e: read_pw3d(tmp_path / '3DPW')
    assert e.value.path == path and not marker.exists()


def test_now_booby_trapped_face_box_is_refused(tmp_path):
    "NoW's face boxes are pickled dicts inside .npy files: one hiding a payload is refused, nothing runs."
    from furpe.readers import read_now, write_now_fixture
    subjects = list(write_now_fixture(tmp_path / 'NoW'))
    marker = tmp_path / 'pwned'
    box = tmp_path / 'NoW' / 'detected_face' / subjects[0] / 'selfie' / 'IMG_0101.npy'
    np.save(box, np.array({'left': 1, 'top': 2, 'right': 3, 'bottom': Booby(marker)}, dtype=object), allow_pickle=True)
    with pytest.raises(UnsafePickleError, match='system'): read_now(tmp_path / 'NoW')
    assert not marker.exists()


def test_curated_fits_booby_trapped_object_array_is_refused(tmp_path):
    "An .npz whose image names are Python objects is read without NumPy's pickle; a payload among them is refused."
    from furpe.body import ParamSpec
    from furpe.readers import read_curated_fits, write_curated_fixture
    d = write_curated_fixture(tmp_path / 'train.npz')
    marker = tmp_path / 'pwned'
    np.savez(tmp_path / 'train.npz', **(d | {'img_fns': np.array(['a.jpg', Booby(marker), 'c.jpg'], dtype=object)}))
    with pytest.raises(UnsafePickleError, match='system'):
        read_curated_fits(tmp_path / 'train.npz', ParamSpec(21, 15, 3, 10, 10, 0.))
    assert not marker.exists()


def _smplx_axis_angle(smplx_dir, **kw):
    "Vertices from the `smplx` package's own axis-angle API (the reference the readers' conversions must match)."
    import smplx
    N = len(next(iter(kw.values())))
    with contextlib.redirect_stdout(io.StringIO()):
        m = smplx.create(str(smplx_dir / 'SMPLX_NEUTRAL.npz'), model_type='smplx', ext='npz', use_pca=False, flat_hand_mean=True,
                         num_betas=10, num_expression_coeffs=10, use_face_contour=True, batch_size=N)
    kw = {k: torch.as_tensor(np.asarray(v), dtype=torch.float32).reshape(N, -1) for k, v in kw.items()}
    return m(**kw).vertices.detach().numpy()


def test_curated_fits_pose_smplx_as_its_axis_angle_api_does(tmp_path, smplx_dir, smplx_body):
    "ExPose's 55-joint pose split into root, body, jaw, eyes and hands poses SMPL-X exactly as `smplx.create` does."
    from furpe.readers import curated_vertices, read_curated_fits, write_curated_fixture
    d = write_curated_fixture(tmp_path / 'train.npz', N=2)
    fits = read_curated_fits(tmp_path / 'train.npz', smplx_body.spec)
    v = curated_vertices(fits['params'], smplx_body)
    P = d['pose']
    ref = _smplx_axis_angle(smplx_dir, global_orient=P[:, 0], body_pose=P[:, 1:22], jaw_pose=P[:, 22], leye_pose=P[:, 23],
                            reye_pose=P[:, 24], left_hand_pose=P[:, 25:40], right_hand_pose=P[:, 40:55],
                            betas=d['betas'][:, :10], expression=d['expression'])
    assert v.shape == (2, 10475, 3)
    np.testing.assert_allclose(v - v[:, :1], ref - ref[:, :1], atol=2e-5)   # same mesh (the root's translation differs by convention)


def test_3dpw_params_pose_smplx_body(tmp_path, smplx_dir, smplx_body):
    "3DPW's SMPL root (in the camera frame) and first 21 body joints pose SMPL-X as `smplx.create` does with those values."
    from furpe.readers import pw3d_body_params, read_pw3d, write_pw3d_fixture
    from furpe.body import matrix_to_axis_angle
    write_pw3d_fixture(tmp_path / '3DPW')
    data = read_pw3d(tmp_path / '3DPW')
    p = pw3d_body_params(data, smplx_body.spec)
    with torch.no_grad(): v = smplx_body(p).vertices.numpy()
    ref = _smplx_axis_angle(smplx_dir, global_orient=matrix_to_axis_angle(torch.as_tensor(data.truth['global_orient'])),
                            body_pose=matrix_to_axis_angle(torch.as_tensor(data.extras['body_pose'][:, :21])), betas=data.extras['betas'])
    np.testing.assert_allclose(v - v[:, :1], ref - ref[:, :1], atol=2e-5)
