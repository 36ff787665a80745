"""The smoke reproduction end to end in temporary roots (the experiment notebooks copied there; its own data, runs,
tables and figures): every notebook runs, every table and figure is written, the manifest names each notebook, the
claims carry a verdict each; a second cold reproduction at the same commit writes byte-identical tables; a re-run
that executes every notebook (`--rerun`) retrains nothing; a warm re-run executes and rewrites nothing."""
import json, os, shutil, subprocess, sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]

TABLES = ['datasets_smoke.md', 'detector_smoke.md', 'experts_smoke.md', 'selection_smoke.md', 'table6_smoke.md', 'premise_smoke.md',
          'premise_diagnosis_smoke.md', 'student_fit_smoke.md', 'keypoint_lifting_smoke.md', 'student_lifting_smoke.md', 'student_lifting_long_smoke.md', 'lifting_ceiling_smoke.md', 'lifting_ceiling_ehf_val_smoke.csv', 'distillation_smoke.md', 'data_curve_smoke.md', 'table2_smoke.md', 'table1_smoke.md', 'table3_smoke.md', 'table4_smoke.md', 'table5_smoke.md',
          'claims_smoke.md', 'body_models.md'] + [f'table{n}_smoke.{x}' for n in (1, 2, 3, 4, 5, 6) for x in ('csv', 'tex')]
FIGURES = ['synth_gallery.png', 'selection_smoke.png', 'premise_curves_smoke.png', 'premise_diagnosis_smoke.png', 'data_curve_smoke.png', 'figure3_smoke.png',
           'figure3_smoke.pdf', 'body_keypoints.png', 'figure1_concept.png', 'figure1_concept.pdf', 'figure2_pipeline.png',
           'figure2_pipeline.pdf', 'table2_smoke.png', 'table2_smoke.pdf', 'student_lifting_long_smoke.png']


def reproduce_in(root: Path, *args: str) -> subprocess.CompletedProcess:
    "`furpe reproduce --profile smoke [args]` in `root`, a repository root of its own (data/ lives under it)."
    if not (root / 'nbs' / 'experiments').exists(): shutil.copytree(ROOT / 'nbs' / 'experiments', root / 'nbs' / 'experiments')
    r = subprocess.run([sys.executable, '-m', 'furpe.cli', 'reproduce', '--profile', 'smoke', '--root', str(root), *args], cwd=root,
                       env={**os.environ, 'FURPE_QUIET': '1'}, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    return r


def made_files(root: Path) -> dict:
    "Every model and dataset card under `root` with its modification time: what a warm re-run must leave alone."
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in sorted([*root.glob('runs/smoke/**/*.pt'), *root.glob('data/smoke/**/card.json')])}


@pytest.fixture(scope='module')
def smoke_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp('smoke_a')
    reproduce_in(root)
    return root


def test_smoke_reproduction_writes_every_table_and_figure(smoke_root):
    m = json.loads((smoke_root / 'tables' / 'manifest_smoke.json').read_text())
    names = [n['name'] for n in m['notebooks']]
    assert names == sorted(p.name for p in (ROOT / 'nbs' / 'experiments').glob('*.ipynb')), names
    missing = [t for t in TABLES if not (smoke_root / 'tables' / t).is_file()] + [f for f in FIGURES if not (smoke_root / 'figures' / f).is_file()]
    assert not missing, missing
    assert m['models'] and all(len(h) == 64 for h in m['models'].values()) and not any(Path(p).is_absolute() for p in m['models'])
    assert any(t.endswith('datasets_timing.json') for t in m['timings'])   # what was timed is in the manifest, not the tables
    for n in (1, 2, 3, 4, 5, 6):   # the paper's tables: booktabs, the best kit value bold, a caption naming world, profile, seeds, commit
        tex = (smoke_root / 'tables' / f'table{n}_smoke.tex').read_text()
        assert all(s in tex for s in (r'\toprule', r'\textbf{', 'World: synthetic', 'profile smoke', 'seeds [0]', 'commit ' + m['commit'])), n
    claims = pd.read_csv(smoke_root / 'tables' / 'claims_smoke.csv')
    assert [c.split()[0] for c in claims.claim] == ['C1', 'C2', 'C2', 'C2', 'C3', 'C4', 'C1', 'C5', 'C6'] and claims.verdict.notna().all()
    diagnosis = json.loads((smoke_root / 'runs' / 'smoke' / 'premise_diagnosis' / 'verdict.json').read_text())   # 04a: a verdict per explanation
    assert all(diagnosis[k].startswith(k.capitalize()) for k in ('fit', 'prior', 'exposure')) and len(diagnosis['tests']) == 4
    fit = json.loads((smoke_root / 'runs' / 'smoke' / 'student_fit' / 'verdict.json').read_text())   # 04b: a lever chosen on ehf_val, a test per lever
    assert fit['verdict'].startswith('Chosen on ehf_val') and f"'{fit['chosen']}'" in fit['verdict'] and len(fit['tests']) == 5
    lift = json.loads((smoke_root / 'runs' / 'smoke' / 'keypoint_lifting' / 'verdict.json').read_text())   # 04c: the best lifter, a test per source
    assert lift['verdict'].startswith('Best lifter on ehf_val') and f"'{lift['best']}'" in lift['verdict'] and len(lift['tests']) == 4
    assert lift['pairs']['pose pairs'] == 64 and lift['pairs']['pose pairs + curated'] == 64 + lift['pairs']['curated only']
    both = json.loads((smoke_root / 'runs' / 'smoke' / 'student_lifting' / 'verdict.json').read_text())   # 04d: P2 and pseudo − curated per pathway
    pathways = ('none', 'lifting', 'detector lifting')   # without, from pose pairs, from the detector's own outputs (04e's lifter)
    assert [v.split(':')[0] for v in both['verdicts']] == [f"P2 with pathway '{p}' not shown" for p in pathways] + [
        f"Pseudo labels − curated only with pathway '{p}'" for p in pathways] + [
        f"Pathway 'lifting' students against their start (its lifter alone, on pose pairs, {both['start']['lifting'][0]:.1f} mm body)",
        f"Pathway 'detector lifting' students against their start (its lifter alone, on the detector's outputs, {both['start']['detector lifting'][0]:.1f} mm body)"] + [
        f"Chosen on ehf_val for pathway '{p}'" for p in pathways[1:]]
    assert set(both['lifter_lr_scales']) == set(pathways[1:]) and set(both['lifter_lr_scales'].values()) <= {1.0, 0.1, 0.0}   # each pathway's rate, chosen among three on ehf_val
    assert all(len(both['choice'][p]) == 3 for p in pathways[1:])
    assert len(both['body']) == 9 and all(len(v) == 1 for v in both['body'].values())   # three label sources × three pathways, one seed
    trained = json.loads((smoke_root / 'runs' / 'smoke' / 'student_lifting' / 'timing.json').read_text())['detector lifter seed 0 s']
    read = json.loads((smoke_root / 'runs' / 'smoke' / 'lifting_ceiling' / 'timing.json').read_text())["the kit's detector on rendered scenes / lifter / 64 pairs / 40 steps / seed 0 s"]
    assert isinstance(trained, float) and read == 'reused'   # one detector lifter: 04d trained it, 04e's LONGER row read the same file
    longer = json.loads((smoke_root / 'runs' / 'smoke' / 'student_lifting' / 'verdict_long.json').read_text())   # 04d's longer schedule: 3× the steps, every quarter scored
    assert longer['steps'] == 12 and longer['pathway'] == 'detector lifting' and longer['verdicts'][0].startswith("P2 with pathway 'detector lifting', 12 steps without augmentation, not shown") and len(longer['verdicts']) == 5
    assert longer['read_step'] in (3, 6, 9, 12) and longer['verdicts'][1].startswith(f"P2 with pathway 'detector lifting', early-stopped at step {longer['read_step']} of 12")   # early stopping on curated only's curve
    assert sorted({k.split(' / ')[1] for k in longer['body']}, key=int) == ['3', '6', '9', '12'] and all(len(v) == 1 for v in longer['body'].values())
    ceiling = json.loads((smoke_root / 'runs' / 'smoke' / 'lifting_ceiling' / 'verdict.json').read_text())   # 04e: keypoints alone against P2's 0.6x
    assert ceiling['verdicts'][0].startswith('Ceiling from exact keypoints') and len(ceiling['verdicts']) == 27
    assert ceiling['verdicts'][26].startswith('Body keypoints inside the image on the same images') and len(ceiling['occlusion']) == 8   # self-occlusion, per part
    assert ceiling['verdicts'][5].startswith("On ehf_val's 4 images")   # the same lifters on the rendered images, through the kit's detector
    assert len(ceiling['ehf_val']) == 1 + 5 * 14 and len(ceiling['ehf_val']["the kit's detector / the detector's errors / lifter"]) == 3
    assert ceiling['verdicts'][9].startswith("Reading the kit's detector, a lifter trained on its own outputs on 32 rendered training scenes")   # trained on the detector itself
    assert len(ceiling['ehf_val']["the kit's detector / the kit's detector on rendered scenes / lifter, 32 pairs"]) == 3
    assert ceiling['verdicts'][11].startswith("Reading the kit's detector, a lifter trained on its residuals moved between the same 32 scenes")   # the residuals, resampled
    assert [len(ceiling['ehf_val'][f"the kit's detector / the detector's residuals, resampled / {b}"]) for b in ('lifter, 32 pairs', 'lifter')] == [3, 3]
    assert ceiling['verdicts'][14].startswith("Reading the kit's detector, a lifter trained on its fitted errors with the renderer's visibility on the same 32 scenes")
    assert len(ceiling['ehf_val']["the kit's detector / the detector's errors, with self-occlusion / lifter, 32 pairs"]) == 3   # self-occlusion in the pairs
    assert ceiling['verdicts'][16].startswith('The depth test on 32 rendered training scenes') and len(ceiling['depth_test']) == 4   # self-occlusion without the renderer
    assert ceiling['verdicts'][17].startswith("Reading the kit's detector, a lifter trained on the fitted errors with the depth test's visibility on the same 32 scenes")
    assert [len(ceiling['ehf_val'][f"the kit's detector / the detector's errors, with the depth test / {b}"]) for b in ('lifter, 32 pairs', 'lifter')] == [3, 3]
    assert ceiling['verdicts'][20].startswith("Reading the kit's detector, a lifter on 64 depth-tested pairs whose hidden keypoints are drawn from their own fit")
    assert len(ceiling['ehf_val']["the kit's detector / the detector's errors, with the depth test and the hidden keypoints' own / lifter"]) == 3
    assert 'keypoints hidden by the body only' in ceiling['hidden_noise']['source']   # the hidden keypoints' own fit
    assert ceiling['verdicts'][22].startswith("Reading the kit's detector, a lifter trained on its own outputs on 64 rendered training scenes")   # the larger count, rendered
    assert len(ceiling['ehf_val']["the kit's detector / the kit's detector on rendered scenes / lifter"]) == 3
    assert ceiling['verdicts'][24].startswith('... trained for 40 steps instead of 20')   # the larger count, trained twice as long
    assert len(ceiling['ehf_val']["the kit's detector / the kit's detector on rendered scenes / lifter, 40 steps"]) == 3
    assert (smoke_root / 'data' / 'smoke' / 'lifting_ceiling' / 'curated_test' / 'card.json').is_file()   # in 04e's own datasets folder
    assert (smoke_root / 'data' / 'smoke' / 'curated_test' / 'card.json').is_file()   # the rendered training scenes
    assert ceiling['noise'] == 'runs/smoke/models/detector_noise.json'   # the profile's fitted noise: 02 ran before it
    assert len(ceiling['body']) == 9 and [len(ceiling['body'][f'{i} / lifter / 64']) for i in ('exact keypoints', "the detector's errors", "the detector's held-out errors")] == [3, 3, 3]
    assert 'curated_val (16 images, unseen in training)' in ceiling['held_out_noise']['source']
    rows = pd.read_csv(smoke_root / 'runs' / 'smoke' / 'benchmarks' / 'long.csv')
    assert set(rows.dataset) == {'ehf', '3dpw_test', 'now', 'freihand'} and rows.value.notna().all()
    assert {'ExPose', 'FuRPE', 'PIXIE', 'FrankMocap (copy & paste)', 'SPIN', 'DECA', 'MANO CNN'} <= set(rows.run)


def test_two_cold_reproductions_write_byte_identical_tables(smoke_root, tmp_path):
    reproduce_in(tmp_path)
    tables = sorted(p.name for p in (smoke_root / 'tables').iterdir() if not p.name.startswith('manifest_'))
    assert tables == sorted(p.name for p in (tmp_path / 'tables').iterdir() if not p.name.startswith('manifest_'))
    differ = [t for t in tables if (smoke_root / 'tables' / t).read_bytes() != (tmp_path / 'tables' / t).read_bytes()]
    assert not differ, differ


def test_executing_every_notebook_again_retrains_nothing(smoke_root):
    before = made_files(smoke_root)
    assert any(k.endswith('.pt') for k in before) and any(k.endswith('card.json') for k in before)
    reproduce_in(smoke_root, '--rerun')   # every notebook executes; each reuses its models and rows by their provenance
    assert made_files(smoke_root) == before
    ceiling = json.loads((smoke_root / 'runs' / 'smoke' / 'lifting_ceiling' / 'timing.json').read_text())   # 04e keeps its held-out scores
    assert ceiling['evaluation s'] == 'reused' and not any(isinstance(v, float) for k, v in ceiling.items() if '/ seed' in k), ceiling


def test_warm_rerun_executes_and_rewrites_nothing(smoke_root):
    def written():   # every table, figure, model and dataset card with its modification time
        return {str(p.relative_to(smoke_root)): p.stat().st_mtime_ns for p in sorted([*smoke_root.glob('tables/*'), *smoke_root.glob('figures/*')])
                if not p.name.startswith('manifest_')} | made_files(smoke_root)
    before = written()
    r = reproduce_in(smoke_root)
    m = json.loads((smoke_root / 'tables' / 'manifest_smoke.json').read_text())
    assert all(n.get('reused') for n in m['notebooks']), [n['name'] for n in m['notebooks'] if not n.get('reused')]
    assert f"{len(m['notebooks'])} of {len(m['notebooks'])} notebooks reused" in r.stdout, r.stdout[-2000:]
    assert written() == before
