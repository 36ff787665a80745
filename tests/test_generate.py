"""Synthetic dataset generation through the command line: two worker processes, resumable, same bytes as one process."""
import hashlib, os, subprocess, sys
from pathlib import Path

import numpy as np

from furpe.data import open_dataset, open_ground_truth

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, 'FURPE_QUIET': '1'}


def generate(out, *args):
    subprocess.run([sys.executable, '-m', 'furpe.cli', 'generate', '--profile', 'smoke', '--out', str(out), *args],
                   cwd=ROOT, env=ENV, check=True, capture_output=True, text=True)


def digest(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(Path(folder).rglob('*.npy'))}


def test_two_workers_equal_one(tmp_path):
    generate(tmp_path / 'two', '--domains', 'hand_part', '--workers', '2')
    generate(tmp_path / 'one', '--domains', 'hand_part', '--workers', '1')
    assert digest(tmp_path / 'two') == digest(tmp_path / 'one')
    train, test = open_dataset(tmp_path / 'one', 'hand_part'), open_dataset(tmp_path / 'one', 'hand_part_test')
    assert len(train) == 8 and len(test) == 4
    assert not np.array_equal(train.get(0, 'image'), test.get(0, 'image'))   # test scenes differ from training ones


def test_unlabeled_pool_hides_ground_truth_and_resumes(tmp_path):
    generate(tmp_path, '--domains', 'ochuman', '--workers', '1')
    ds = open_dataset(tmp_path, 'ochuman')
    assert set(ds.fields()) == {'image', 'intrinsics'} and not hasattr(ds, 'labels')
    gt = open_ground_truth(tmp_path, 'ochuman', purpose='analysis')
    assert gt.get(0, 'keypoints2d').shape == (137, 3) and gt.get(0, 'body_pose').shape == (63, 3, 3)
    before = digest(tmp_path)
    generate(tmp_path, '--domains', 'ochuman', '--workers', '1')   # everything done: nothing rewritten
    assert digest(tmp_path) == before


def test_whole_smoke_profile_generates(tmp_path):
    "Every dataset of the smoke profile renders (about 3 minutes on 2 cores): counts and label visibility as the profile says."
    from furpe.synth import DOMAINS, PROFILE_SIZES, dataset_name
    generate(tmp_path, '--workers', '2')
    for (domain, split), n in PROFILE_SIZES['smoke'].items():
        ds = open_dataset(tmp_path, dataset_name(domain, split))
        assert len(ds) == n
        assert hasattr(ds, 'labels') == (DOMAINS[domain].labelled or DOMAINS[domain].role == 'test')
        assert ds.get(0, 'image').std() > 5   # a rendered picture, not a blank
