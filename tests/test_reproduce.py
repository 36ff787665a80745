"""The smoke reproduction end to end in a temporary root (the experiment notebooks copied there; its own data, runs,
tables and figures): every notebook runs, every table and figure is written, the manifest names each notebook, the
claims carry a verdict each."""
import json, os, shutil, subprocess, sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

TABLES = ['datasets_smoke.md', 'detector_smoke.md', 'experts_smoke.md', 'selection_smoke.md', 'table6_smoke.md', 'premise_smoke.md',
          'distillation_smoke.md', 'data_curve_smoke.md', 'table1_smoke.md', 'table3_smoke.md', 'table4_smoke.md', 'table5_smoke.md',
          'claims_smoke.md', 'body_models.md']
FIGURES = ['synth_gallery.png', 'selection_smoke.png', 'premise_curves_smoke.png', 'data_curve_smoke.png', 'figure3_smoke.png',
           'figure3_smoke.pdf', 'body_keypoints.png', 'figure1_concept.png', 'figure1_concept.pdf', 'figure2_pipeline.png', 'figure2_pipeline.pdf']


def test_smoke_reproduction_writes_every_table_and_figure(tmp_path):
    shutil.copytree(ROOT / 'nbs' / 'experiments', tmp_path / 'nbs' / 'experiments')   # data/ lives under the root: a root of its own
    r = subprocess.run([sys.executable, '-m', 'furpe.cli', 'reproduce', '--profile', 'smoke', '--root', str(tmp_path)], cwd=tmp_path,
                       env={**os.environ, 'FURPE_QUIET': '1'}, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    m = json.loads((tmp_path / 'tables' / 'manifest_smoke.json').read_text())
    names = [n['name'] for n in m['notebooks']]
    assert names == sorted(p.name for p in (ROOT / 'nbs' / 'experiments').glob('*.ipynb')), names
    missing = [t for t in TABLES if not (tmp_path / 'tables' / t).is_file()] + [f for f in FIGURES if not (tmp_path / 'figures' / f).is_file()]
    assert not missing, missing
    claims = pd.read_csv(tmp_path / 'tables' / 'claims_smoke.csv')
    assert [c.split()[0] for c in claims.claim] == ['C1', 'C2', 'C2', 'C2', 'C3', 'C4', 'C1', 'C5', 'C6'] and claims.verdict.notna().all()
    rows = pd.read_csv(tmp_path / 'runs' / 'smoke' / 'benchmarks' / 'long.csv')
    assert set(rows.dataset) == {'ehf', '3dpw_test', 'now', 'freihand'} and rows.value.notna().all()
    assert {'ExPose', 'FuRPE', 'PIXIE', 'FrankMocap (copy & paste)', 'SPIN', 'DECA', 'MANO CNN'} <= set(rows.run)
