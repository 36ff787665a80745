"""The command line: every subcommand's help, bad arguments, reproduction into a temporary folder, the SMPL-X file writer,
`generate` under two ranks writing what one process writes, and the `slow` marker."""
import hashlib, inspect, json, os, subprocess, sys, textwrap
from pathlib import Path

import numpy as np
import pytest
from fastcore.docments import docments

from furpe.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, 'FURPE_QUIET': '1'}


def furpe(*args, check=True, env=None):
    return subprocess.run([sys.executable, '-m', 'furpe.cli', *args], cwd=ROOT, env={**ENV, **(env or {})},
                          capture_output=True, text=True, check=check)


def run_main(capsys, *argv) -> tuple:
    "`furpe ARGV` in this process: (exit status, stdout, stderr)."
    try:
        main(list(argv)); status = 0
    except SystemExit as e: status = e.code
    out = capsys.readouterr()
    return status, out.out, out.err


def test_top_level_help_lists_every_subcommand():
    r = furpe('--help')                                   # also checks `python -m furpe.cli`'s __main__ guard
    for name in ('generate', 'label', 'train', 'reproduce', 'smplx-test-model', 'predict', 'ablate', 'docs'): assert name in r.stdout, name
    assert list(COMMANDS) == ['generate', 'label', 'train', 'reproduce', 'smplx-test-model', 'predict', 'ablate', 'docs']


@pytest.mark.parametrize('name', list(COMMANDS))
def test_help_lists_documented_arguments(capsys, name):
    status, out, _ = run_main(capsys, name, '--help')
    assert status == 0
    flat = ''.join(out.split())                            # argparse wraps the help text
    for k, v in docments(COMMANDS[name], full=True, returns=False).items():
        assert v.docment, f'{name}: parameter {k} has no comment'
        assert (k if v.default is inspect.Parameter.empty else '--' + k.replace('_', '-')) in out, k
        assert ''.join(v.docment.split()) in flat, k


def test_train_keeps_its_argument_names(capsys):
    "tests/test_train_ddp.py runs `torchrun -m furpe.cli train --config --root --out [--resume] [--max-steps N]`."
    status, out, _ = run_main(capsys, 'train', '--help')
    for a in ('--config', '--profile', '--root', '--out', '--resume', '--max-steps'): assert a in out, a


@pytest.mark.parametrize('name', ['generate', 'label', 'train', 'reproduce'])
def test_bad_profile_is_refused(capsys, name):
    status, _, err = run_main(capsys, name, '--profile', 'huge')
    assert status == 2 and "invalid choice: 'huge'" in err and "'smoke', 'cpu', 'paper'" in err, err


def test_bad_profile_is_refused_by_the_script():
    r = furpe('reproduce', '--profile', 'huge', check=False)
    assert r.returncode == 2 and 'invalid choice' in r.stderr


def test_reproduce_writes_tables_figures_and_manifest(tmp_path):
    furpe('reproduce', '--profile', 'smoke', '--only', 'body_models', '--out', str(tmp_path))
    m = json.loads((tmp_path / 'tables' / 'manifest_smoke.json').read_text())
    assert m['profile'] == 'smoke' and m['seed'] == 0 and m['notebooks'][0]['name'] == 'body_models.ipynb'
    assert m['machine']['cpus'] >= 1 and m['notebooks'][0]['wall_s'] > 0
    assert m['notebooks'][0]['executed'] == 'runs/reproduce-smoke/body_models.ipynb'   # relative: no machine paths
    assert m['notebooks'][0]['commit'] == m['commit'] and m['models'] == {}           # each notebook names its commit
    assert (tmp_path / 'figures' / 'body_keypoints.png').stat().st_size > 10_000
    tex = (tmp_path / 'tables' / 'body_models.tex').read_text()
    assert '13718' in tex and '10475' in tex and 'profile smoke' in tex
    assert (tmp_path / 'runs' / 'reproduce-smoke' / 'body_models.ipynb').is_file()   # executed notebook kept as provenance


def test_smplx_test_model_command(tmp_path):
    out = tmp_path / 'm' / 'SMPLX_NEUTRAL.npz'
    furpe('smplx-test-model', str(out))
    assert np.load(out)['v_template'].shape == (10475, 3)


def shard_digest(folder: Path) -> dict:
    "sha256 of every array of a datasets folder."
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*.npy"))}


def test_generate_two_ranks_equal_one_process(tmp_path, monkeypatch, capsys):
    "RANK/WORLD_SIZE as torchrun sets them: rank 1 writes only its shards, rank 0 the rest; the bytes are one process's."
    args = ['generate', '--profile', 'smoke', '--domains', 'hand_part', '--workers', '1', '--out']
    monkeypatch.delenv('RANK', raising=False); monkeypatch.delenv('WORLD_SIZE', raising=False)
    assert run_main(capsys, *args, str(tmp_path / 'one'))[0] == 0
    one = shard_digest(tmp_path / 'one')
    shards = sorted({p.parent for p in (tmp_path / 'one').rglob('shard-*/done.json')})
    assert one and shards
    monkeypatch.setenv('WORLD_SIZE', '2')
    monkeypatch.setenv('RANK', '1')
    status, out, _ = run_main(capsys, *args, str(tmp_path / 'two'))
    assert status == 0 and 'rank 1/2' in out
    # shard i belongs to rank i % 2: rank 1 has written exactly the odd ones
    odd = lambda d: {str(p.parent.relative_to(d)) for p in d.rglob('shard-*/done.json') if int(p.parent.name[6:]) % 2 == 1}
    even = lambda d: {str(p.parent.relative_to(d)) for p in d.rglob('shard-*/done.json') if int(p.parent.name[6:]) % 2 == 0}
    assert odd(tmp_path / 'two') == odd(tmp_path / 'one') and not even(tmp_path / 'two')
    monkeypatch.setenv('RANK', '0')
    assert run_main(capsys, *args, str(tmp_path / 'two'))[0] == 0
    assert shard_digest(tmp_path / 'two') == one


def test_slow_marker_skips_unless_FURPE_SLOW(tmp_path):
    "tests/conftest.py: a test marked slow is skipped, and runs with FURPE_SLOW=1."
    (tmp_path / 'conftest.py').write_text((ROOT / 'tests' / 'conftest.py').read_text())
    (tmp_path / 'pytest.ini').write_text('[pytest]\nmarkers =\n    slow: slow\n')
    (tmp_path / 'test_it.py').write_text(textwrap.dedent('''
        import pytest
        @pytest.mark.slow
        def test_slow(): pass
        def test_fast(): pass
    '''))
    def outcome(**env):
        e = {k: v for k, v in os.environ.items() if k != 'FURPE_SLOW'}
        r = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', str(tmp_path)], cwd=tmp_path,
                           env={**e, **env}, capture_output=True, text=True)
        return r.stdout.strip().splitlines()[-1]
    assert '1 passed, 1 skipped' in outcome()
    assert '2 passed' in outcome(FURPE_SLOW='1')
