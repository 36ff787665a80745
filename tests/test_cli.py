"""The command line: reproduction into a temporary folder, the SMPL-X file writer, bad arguments."""
import json, os, subprocess, sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, 'FURPE_QUIET': '1'}


def furpe(*args, check=True):
    return subprocess.run([sys.executable, '-m', 'furpe.cli', *args], cwd=ROOT, env=ENV, capture_output=True, text=True, check=check)


def test_reproduce_writes_tables_figures_and_manifest(tmp_path):
    furpe('reproduce', '--profile', 'smoke', '--only', 'body_models', '--out', str(tmp_path))
    m = json.loads((tmp_path / 'tables' / 'manifest_smoke.json').read_text())
    assert m['profile'] == 'smoke' and m['seed'] == 0 and m['notebooks'][0]['name'] == 'body_models.ipynb'
    assert m['machine']['cpus'] >= 1 and m['notebooks'][0]['wall_s'] > 0
    assert (tmp_path / 'figures' / 'body_keypoints.png').stat().st_size > 10_000
    tex = (tmp_path / 'tables' / 'body_models.tex').read_text()
    assert '13718' in tex and '10475' in tex and 'profile smoke' in tex
    assert (tmp_path / 'runs' / 'reproduce-smoke' / 'body_models.ipynb').is_file()   # executed notebook kept as provenance


def test_bad_profile_is_rejected():
    r = furpe('reproduce', '--profile', 'huge', check=False)
    assert r.returncode == 2 and 'invalid choice' in r.stderr


def test_smplx_test_model_command(tmp_path):
    out = tmp_path / 'm' / 'SMPLX_NEUTRAL.npz'
    furpe('smplx-test-model', str(out))
    assert np.load(out)['v_template'].shape == (10475, 3)
