"""`furpe ablate` from the command line on the fixture notebook `nbs/fixtures/ablate_toy.ipynb` (it only computes from
its parameters): a 2 × 2 batch and its tidy table, a second batch that runs nothing, a batch killed mid-way that resumes
from the unfinished point, and a failing grid point that the batch lists and exits non-zero for."""
import json, os, signal, subprocess, sys, time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / 'nbs' / 'fixtures' / 'ablate_toy.ipynb'
ENV = {**os.environ, 'FURPE_QUIET': '1', 'PYTHONPATH': os.pathsep.join([str(ROOT), os.environ.get('PYTHONPATH', '')])}


def furpe_ablate(root: Path, *args: str, **kw):
    "`python -m furpe.cli ablate TOY ARGS --root ROOT`, run in `root`."
    return subprocess.run([sys.executable, '-m', 'furpe.cli', 'ablate', str(TOY), *args, '--root', str(root)], cwd=root, env=ENV,
                          capture_output=True, text=True, **kw)


def executed(root: Path, name: str) -> Path:
    return root / 'runs' / 'ablate-ablate_toy' / f'{name}.ipynb'


def status(path: Path) -> str | None:
    "The `furpe_ablate` status in an executed notebook's metadata; None while it runs (or if cut off mid-write)."
    try: return json.loads(path.read_text())['metadata'].get('furpe_ablate', {}).get('status')
    except (OSError, ValueError, KeyError): return None


def test_batch_then_nothing_to_do(tmp_path):
    r = furpe_ablate(tmp_path, '-p', 'x', '1', '2', '-p', 'scale', '0.5', '--seeds', '2')
    assert r.returncode == 0, r.stderr[-3000:]
    assert '4 run, 0 reused, 0 failed' in r.stdout, r.stdout
    rows = pd.read_csv(tmp_path / 'tables' / 'ablate_ablate_toy_smoke.csv')
    assert list(rows.columns) == ['profile', 'x', 'scale', 'seed', 'metric', 'value']
    y = rows[rows.metric == 'y'].sort_values(['x', 'seed'])
    assert y[['x', 'seed']].values.tolist() == [[1, 0], [1, 1], [2, 0], [2, 1]]
    assert y.value.tolist() == [0.5 * x + s for x, s in y[['x', 'seed']].values]   # y = scale·x + seed, recorded by the notebook
    assert (tmp_path / 'figures' / 'ablate_ablate_toy_smoke.png').stat().st_size > 5000
    assert 'Grid: x ∈ {1, 2}; scale ∈ {0.5}; seeds 0 … 1.' in (tmp_path / 'tables' / 'ablate_ablate_toy_smoke.md').read_text()
    notebooks = sorted((tmp_path / 'runs' / 'ablate-ablate_toy').glob('*.ipynb'))
    assert [p.name for p in notebooks][0] == 'profile=smoke,x=1,scale=0.5,seed=0.ipynb' and len(notebooks) == 4
    mtimes = [p.stat().st_mtime_ns for p in notebooks]
    again = furpe_ablate(tmp_path, '-p', 'x', '1', '2', '-p', 'scale', '0.5', '--seeds', '2')
    assert again.returncode == 0 and '0 run, 4 reused, 0 failed' in again.stdout, again.stdout + again.stderr[-2000:]
    assert [p.stat().st_mtime_ns for p in notebooks] == mtimes                       # nothing executed again
    assert pd.read_csv(tmp_path / 'tables' / 'ablate_ablate_toy_smoke.csv').equals(rows)
    forced = furpe_ablate(tmp_path, '-p', 'x', '1', '-p', 'scale', '0.5', '--force')
    assert forced.returncode == 0 and '1 run, 0 reused' in forced.stdout, forced.stdout


def test_killed_batch_resumes_from_the_unfinished_point(tmp_path):
    (tmp_path / 'hold_2').touch()                                  # the point x=2 waits while this file exists
    proc = subprocess.Popen([sys.executable, '-m', 'furpe.cli', 'ablate', str(TOY), '-p', 'x', '1', '2', '--root', str(tmp_path)],
                            cwd=tmp_path, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    first, second = executed(tmp_path, 'profile=smoke,x=1,seed=0'), executed(tmp_path, 'profile=smoke,x=2,seed=0')
    try:
        deadline = time.time() + 240
        while not (status(first) == 'done' and second.exists()) and time.time() < deadline and proc.poll() is None: time.sleep(0.5)
        assert status(first) == 'done' and second.exists() and proc.poll() is None, 'the batch did not reach the held point'
    finally:
        os.killpg(proc.pid, signal.SIGKILL)                        # the batch, its papermill and its kernel: killed mid-point
        proc.wait()
    assert status(second) is None                                  # a partial executed notebook, not finished
    (tmp_path / 'hold_2').unlink()
    done_at = first.stat().st_mtime_ns
    r = furpe_ablate(tmp_path, '-p', 'x', '1', '2')
    assert r.returncode == 0, r.stderr[-3000:]
    assert '1 run, 1 reused, 0 failed' in r.stdout and 'x=1,seed=0: finished before, reused' in r.stdout, r.stdout
    assert first.stat().st_mtime_ns == done_at and status(second) == 'done'
    rows = pd.read_csv(tmp_path / 'tables' / 'ablate_ablate_toy_smoke.csv')
    assert sorted(rows[rows.metric == 'y'].value) == [1.0, 2.0]


def test_failing_point_is_listed_and_the_batch_exits_non_zero(tmp_path):
    r = furpe_ablate(tmp_path, '-p', 'x', '2', '1', '-p', 'fail_at', '2')
    assert r.returncode == 1, (r.returncode, r.stderr[-3000:])
    assert ('1 grid point(s) failed' in r.stderr and 'profile=smoke,x=2,fail_at=2,seed=0: ValueError: x = 2 fails on purpose' in r.stderr), r.stderr[-3000:]
    assert '1 run, 0 reused, 1 failed' in r.stdout                 # the batch carried on past the failure
    rows = pd.read_csv(tmp_path / 'tables' / 'ablate_ablate_toy_smoke.csv')
    assert set(rows.x) == {1}
    assert 'Failed grid points' in (tmp_path / 'tables' / 'ablate_ablate_toy_smoke.md').read_text()
    assert status(executed(tmp_path, 'profile=smoke,x=2,fail_at=2,seed=0')) == 'failed'   # kept, with the traceback


def test_unknown_parameter_lists_the_notebooks_parameters(tmp_path):
    r = furpe_ablate(tmp_path, '-p', 'steps', '3')
    assert r.returncode != 0
    assert "ablate_toy has no parameter 'steps'. Its parameters: x = 1  # the knob; scale = 1.0  # a float knob" in r.stderr, r.stderr[-2000:]
