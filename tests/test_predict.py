"""`furpe predict` end to end on real photographs with a tiny smoke student: the astronaut (skimage, NASA, public domain)
and Grace Hopper (matplotlib's sample data, US Navy, public domain), both shipped inside installed packages, so nothing
is copied here. The keypoints come from the stored MediaPipe detection of the astronaut (nbs/fixtures), the kit's
detector, or MediaPipe itself: the tests marked `mediapipe` need the photo extra (`pip install -e ".[photo]"`) and are
skipped without it; every other test runs on the dev extra alone."""
import json, os, subprocess, sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, 'FURPE_QUIET': '1', 'OMP_NUM_THREADS': '1'}
ASTRONAUT_KEYPOINTS = ROOT / 'nbs' / 'fixtures' / 'astronaut_keypoints.json'   # MediaPipe Holistic's detection of the astronaut


def furpe(*args, pre: str = '') -> subprocess.CompletedProcess:
    "`furpe ARGS` in a fresh process (`pre`: Python run first, e.g. to hide a package)."
    code = f"{pre}\nimport sys\nfrom furpe.cli import main\nmain(sys.argv[1:])"
    return subprocess.run([sys.executable, '-c', code, *map(str, args)], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope='module')
def smoke(tmp_path_factory) -> dict:
    "A smoke-profile student (4 steps on the smoke curated set) and a tiny kit detector: plumbing, not accuracy."
    from furpe.synth import generate_domain
    from furpe.train import TrainConfig, train
    from furpe.keypoints import train_detector, save_detector
    from furpe.data import open_dataset
    import torch
    torch.set_num_threads(1)
    tmp = tmp_path_factory.mktemp('predict')
    generate_domain(tmp / 'data', 'curated', 'train', 'smoke', seed=0, workers=1)
    cfg = TrainConfig.for_profile('smoke', network='one_stage', pseudo=False, features=False, ema=False, steps=4, threads=1,
                                curated_reads='simulated')   # no detector here to store the curated records' detections
    train(cfg, tmp / 'data', tmp / 'student')
    save_detector(train_detector(open_dataset(tmp / 'data', 'curated'), steps=2, batch=2, input_size=64, width=8, device='cpu'),
                  tmp / 'detector.pt')
    return {'student': tmp / 'student', 'detector': tmp / 'detector.pt'}


@pytest.fixture(scope='module')
def photos(tmp_path_factory) -> dict:
    "The two photographs as files, and a greyscale one (skimage's cameraman)."
    from skimage import data
    import matplotlib.cbook as cbook
    d = tmp_path_factory.mktemp('photos')
    Image.fromarray(data.astronaut()).save(d / 'astronaut.png')
    Image.open(cbook.get_sample_data('grace_hopper.jpg')).save(d / 'grace_hopper.jpg')
    Image.fromarray(data.camera()).save(d / 'cameraman.png')
    return {p.stem: p for p in d.iterdir()}


def vertex_count() -> int:
    import torch
    from furpe.body import get_body_model
    m = get_body_model('anny')
    with torch.no_grad(): return m(m.zero_params(1)).vertices.shape[1]


def check_person(folder: Path, i: int, photo: Path) -> dict:
    "personI.obj / .json / .png are written and sane; the record."
    import trimesh
    mesh = trimesh.load(folder / f'person{i}.obj', process=False)
    assert len(mesh.vertices) == vertex_count() and np.isfinite(mesh.vertices).all()
    assert (mesh.vertices[:, 2] > 0).all()                                     # in front of the camera
    rec = json.loads((folder / f'person{i}.json').read_text())
    assert rec['photo'] == str(photo) and rec['vertices'] == len(mesh.vertices)
    assert np.isfinite(np.array(rec['params']['body_pose'], float)).all() and len(rec['camera']['translation']) == 3
    for k in ('mean_px', 'pck@0.05', 'pck@0.1', 'verdict'): assert k in rec['agreement'], k
    image = np.asarray(Image.open(photo).convert('RGB')).astype(int)
    overlay = np.asarray(Image.open(folder / f'person{i}.png')).astype(int)
    assert overlay.shape == image.shape
    drawn = np.abs(overlay - image).sum(-1) > 30
    assert 0.005 < drawn.mean() < 0.9                                         # the mesh covers part of the photo, not all of it
    # the overlay differs from the photo where the mesh's neck projects (the mesh is drawn where the camera puts it)
    u, v = np.round(rec['keypoints_projected'][1]).astype(int)
    if 0 <= u < image.shape[1] and 0 <= v < image.shape[0]: assert drawn[max(v - 2, 0):v + 3, max(u - 2, 0):u + 3].any()
    return rec


def test_astronaut_with_openpose_json(smoke, photos, tmp_path):
    "The dev-extra path: the astronaut with its stored MediaPipe keypoints, through the command line."
    r = furpe('predict', photos['astronaut'], '--keypoints', ASTRONAUT_KEYPOINTS, '--checkpoint', smoke['student'], '--out', tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    assert '1 person(s)' in r.stdout and 'PCK@0.1' in r.stdout
    rec = check_person(tmp_path / 'astronaut', 0, photos['astronaut'])
    assert rec['keypoints'].startswith('openpose:') and rec['agreement']['keypoints'] > 50   # the face and the upper body
    from furpe.keypoints import read_openpose_json
    np.testing.assert_array_equal(read_openpose_json(tmp_path / 'astronaut' / 'keypoints.json'), read_openpose_json(ASTRONAUT_KEYPOINTS))


def test_second_photo_and_greyscale_with_the_kit_detector(smoke, photos, tmp_path):
    "Grace Hopper and the (greyscale) cameraman with the kit's detector; every detection kept (--min-keypoints 0: the tiny detector is untrained)."
    r = furpe('predict', photos['grace_hopper'], photos['cameraman'], '--keypoints', 'kit', '--detector', smoke['detector'],
              '--min-keypoints', 0, '--checkpoint', smoke['student'], '--out', tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    for name in ('grace_hopper', 'cameraman'):
        rec = check_person(tmp_path / name, 0, photos[name])
        assert rec['keypoints'] == 'kit'


def test_a_folder_run_skips_bad_files_and_lists_them(smoke, photos, tmp_path):
    "Bad inputs in a folder: each skipped with its reason, the run carries on, the list comes at the end; RGBA is converted."
    d = tmp_path / 'in'; d.mkdir(); kp = tmp_path / 'kp'; kp.mkdir()
    Image.open(photos['astronaut']).convert('RGBA').save(d / 'astronaut.png')
    (kp / 'astronaut_keypoints.json').write_text(ASTRONAUT_KEYPOINTS.read_text())
    (d / 'empty.jpg').write_bytes(b'')
    (d / 'corrupt.png').write_bytes(photos['astronaut'].read_bytes()[:2000])
    Image.open(photos['grace_hopper']).save(d / 'nobody.png'); (kp / 'nobody.json').write_text('{"version": 1.3, "people": []}')
    Image.open(photos['grace_hopper']).save(d / 'badjson.png'); (kp / 'badjson.json').write_text('{"people": [{"pose_keypoints_2d": "x"}]}')
    Image.open(photos['grace_hopper']).save(d / 'nojson.png')
    r = furpe('predict', d, '--keypoints', kp, '--checkpoint', smoke['student'], '--out', tmp_path / 'out')
    assert r.returncode == 0, r.stderr[-3000:]
    check_person(tmp_path / 'out' / 'astronaut', 0, d / 'astronaut.png')
    assert 'skipped 5 file(s)' in r.stdout, r.stdout
    reasons = {line.split(':')[0].strip(): line for line in r.stdout.splitlines() if line.startswith('  ') and str(d) in line}
    assert 'the file is empty' in reasons[str(d / 'empty.jpg')]
    assert 'corrupt or truncated' in reasons[str(d / 'corrupt.png')]
    assert 'no person found' in reasons[str(d / 'nobody.png')]
    assert 'badjson.json: people[0].pose_keypoints_2d should be a list of 75 numbers' in reasons[str(d / 'badjson.png')]
    assert 'no keypoint file for it' in reasons[str(d / 'nojson.png')]
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == ['astronaut']


def test_clear_errors(smoke, photos, tmp_path):
    "A missing image, a missing student, nothing usable, and MediaPipe without the extra: a message, a failing status."
    r = furpe('predict', tmp_path / 'missing.jpg', '--keypoints', ASTRONAUT_KEYPOINTS, '--checkpoint', smoke['student'], '--out', tmp_path)
    assert r.returncode == 1 and 'missing.jpg: no such file' in r.stdout, (r.stdout, r.stderr[-2000:])
    r = furpe('predict', photos['astronaut'], '--keypoints', ASTRONAUT_KEYPOINTS, '--checkpoint', tmp_path / 'no-run')
    assert r.returncode == 1 and 'furpe predict: No trained student' in r.stderr and 'furpe reproduce --profile cpu' in r.stderr
    assert '--checkpoint RUN_DIR' in r.stderr
    r = furpe('predict', photos['astronaut'], '--keypoints', tmp_path / 'none.json', '--checkpoint', smoke['student'])
    assert r.returncode == 1 and 'none.json: no such keypoint file' in r.stderr
    r = furpe('predict', photos['astronaut'], '--checkpoint', smoke['student'], pre="import sys; sys.modules['mediapipe'] = None")
    assert r.returncode == 1 and 'pip install -e ".[photo]"' in r.stderr and '--keypoints kit' in r.stderr


@pytest.mark.mediapipe
def test_mediapipe_two_photos(smoke, photos, tmp_path):
    "MediaPipe Holistic on both photographs and on the two side by side (needs the photo extra)."
    pytest.importorskip('mediapipe')
    from skimage import data
    two = np.concatenate([data.astronaut(), np.repeat(data.camera()[..., None], 3, -1)], 1)
    Image.fromarray(two).save(tmp_path / 'two.png')
    r = furpe('predict', photos['astronaut'], photos['grace_hopper'], tmp_path / 'two.png', '--checkpoint', smoke['student'],
              '--out', tmp_path / 'out')
    assert r.returncode == 0, r.stderr[-3000:]
    rec = check_person(tmp_path / 'out' / 'astronaut', 0, photos['astronaut'])
    assert rec['keypoints'] == 'mediapipe' and rec['agreement']['keypoints'] > 50
    check_person(tmp_path / 'out' / 'grace_hopper', 0, photos['grace_hopper'])
    for i in (0, 1): check_person(tmp_path / 'out' / 'two', i, tmp_path / 'two.png')
    assert not (tmp_path / 'out' / 'two' / 'person2.json').exists()


BUS = ROOT / 'nbs' / 'fixtures' / 'bus.jpg'                       # ultralytics' bus.jpg (AGPL-3.0; nbs/fixtures/SOURCES.txt)
BUS_KEYPOINTS = ROOT / 'nbs' / 'fixtures' / 'bus_keypoints.json'   # MediaPipe Holistic's detection of it: the two people in full view


def test_bus_two_people(smoke, tmp_path):
    "A street photograph with two people (its stored MediaPipe keypoints): a mesh, parameters and an overlay for each."
    r = furpe('predict', BUS, '--keypoints', BUS_KEYPOINTS, '--checkpoint', smoke['student'], '--out', tmp_path)
    assert r.returncode == 0, r.stderr
    recs = [check_person(tmp_path / 'bus', i, BUS) for i in range(2)]
    assert not (tmp_path / 'bus' / 'person2.obj').exists()
    necks = sorted(rec['keypoints_detected'][1][0] for rec in recs)
    assert necks[1] - necks[0] > 80                                               # two different people, not one twice


RELEASED = ROOT / 'models' / 'cpu' / 'student'   # the cpu profile's FuRPE student (Table 6's EMA row, seed 0), committed


def test_released_cpu_student_is_the_default(photos, tmp_path):
    "Right after a clone, no --checkpoint: the released cpu student on the astronaut and the bus (their stored MediaPipe keypoints)."
    assert (RELEASED / 'model.pt').is_file(), f'{RELEASED}/model.pt is missing: 03_table6 on the cpu profile releases it'
    for photo, kp in ((photos['astronaut'], ASTRONAUT_KEYPOINTS), (BUS, BUS_KEYPOINTS)):
        r = furpe('predict', photo, '--keypoints', kp, '--out', tmp_path)
        assert r.returncode == 0, r.stderr[-3000:]
    recs = [check_person(tmp_path / 'astronaut', 0, photos['astronaut'])] + [check_person(tmp_path / 'bus', i, BUS) for i in range(2)]
    for rec in recs: assert rec['checkpoint'] == str(RELEASED)
