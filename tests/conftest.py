"""Shared fixtures (a small SMPL-X model file in the true format, written once per test session), and the `slow` marker:
tests marked `@pytest.mark.slow` are skipped unless FURPE_SLOW=1 (`make test-slow`)."""
import contextlib, io, os
from pathlib import Path

import pytest


def pytest_collection_modifyitems(config, items):
    "Skip the tests marked `slow` unless the environment says FURPE_SLOW=1."
    if os.environ.get('FURPE_SLOW') == '1': return
    skip = pytest.mark.skip(reason='slow: run with FURPE_SLOW=1 (make test-slow)')
    for item in items:
        if 'slow' in item.keywords: item.add_marker(skip)


@pytest.fixture(scope='session')
def smplx_dir(tmp_path_factory) -> Path:
    "A folder holding SMPLX_NEUTRAL.npz, written by furpe's generator (Anny geometry, true SMPL-X format)."
    from furpe.body import write_smplx_test_model
    d = tmp_path_factory.mktemp('smplx')
    write_smplx_test_model(d / 'SMPLX_NEUTRAL.npz')
    return d


@pytest.fixture(scope='session')
def smplx_body(smplx_dir):
    from furpe.body import SMPLXBody
    with contextlib.redirect_stdout(io.StringIO()):
        return SMPLXBody(smplx_dir)


@pytest.fixture(autouse=True, scope='module')
def embedded_world_at_start(request):
    "Every test module starts in the embedded Anny world: a module that switched to SMPL-X (test_smplx_world) must have undone it."
    leaked = os.environ.get('FURPE_BODY_MODEL')
    assert leaked in (None, 'anny'), f"{request.module.__name__} starts with FURPE_BODY_MODEL={leaked!r}: an earlier test module leaked it."
    yield
