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


def generate_domain(out, domain, split, workers, shard_size=256):
    "`synth.generate_domain` in a fresh process (spawned workers need a script, not a test module)."
    code = ('import sys; from furpe.synth import generate_domain\n'
            'if __name__ == "__main__": generate_domain(sys.argv[1], sys.argv[2], sys.argv[3], "smoke", workers=int(sys.argv[4]), '
            'shard_size=int(sys.argv[5]))\n')
    script = Path(out).parent / f'_gen_{Path(out).name}.py'; script.write_text(code)
    subprocess.run([sys.executable, str(script), str(out), domain, split, str(workers), str(shard_size)],
                   cwd=ROOT, env=ENV, check=True, capture_output=True, text=True)


def digest(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(Path(folder).rglob('*.npy'))}


def test_two_workers_equal_one(tmp_path):
    # shards of 4 images: two shards, so two worker processes really render (one shard renders in the calling process)
    generate_domain(tmp_path / 'two', 'hand_part', 'train', workers=2, shard_size=4)
    generate_domain(tmp_path / 'one', 'hand_part', 'train', workers=1, shard_size=4)
    assert digest(tmp_path / 'two') == digest(tmp_path / 'one') and len(digest(tmp_path / 'one')) > 0
    assert len(open_dataset(tmp_path / 'one', 'hand_part')) == 8


def test_splits_differ_and_val_is_deterministic(tmp_path):
    "The CLI writes a domain's train, test and val splits; val scenes are not test or train scenes; val regenerates byte for byte."
    generate(tmp_path / 'a', '--domains', 'hand_part', '--workers', '2')
    generate(tmp_path / 'b', '--domains', 'hand_part', '--workers', '1')
    assert digest(tmp_path / 'a') == digest(tmp_path / 'b')
    train, test, val = (open_dataset(tmp_path / 'a', n) for n in ('hand_part', 'hand_part_test', 'hand_part_val'))
    assert (len(train), len(test), len(val)) == (8, 4, 4) and hasattr(val, 'labels')
    for other in (train, test):
        assert not np.array_equal(val.get(0, 'image'), other.get(0, 'image'))               # different pictures
        for k in ('betas', 'right_hand_pose', 'body_pose'):
            assert not np.allclose(val.labels.get(0, k), other.labels.get(0, k)), k          # different people and poses
    assert val.card.settings['split'] == 'val'


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
    "Every dataset of the smoke profile renders (about a minute on 2 cores): counts and label visibility as the profile says."
    from furpe.synth import DOMAINS, PROFILE_SIZES, dataset_name
    generate(tmp_path, '--workers', '2')
    names = {dataset_name(d, s) for d, s in PROFILE_SIZES['smoke']}
    assert {'ehf_val', '3dpw_val', 'now_val', 'freihand_val', 'body_part_val', 'hand_part_val', 'face_part_val'} <= names
    for (domain, split), n in PROFILE_SIZES['smoke'].items():
        ds = open_dataset(tmp_path, dataset_name(domain, split))
        assert len(ds) == n
        assert hasattr(ds, 'labels') == (DOMAINS[domain].labelled or DOMAINS[domain].role == 'test')
        assert ds.get(0, 'image').std() > 5   # a rendered picture, not a blank
