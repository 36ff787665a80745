"""Files from elsewhere run no code when loaded: checkpoints and models (weights_only) and the field's pickles (safe_pickle_load)."""
import os, pickle
from pathlib import Path

import numpy as np
import pytest
import torch


class Booby:
    "Unpickling this calls os.system, which creates `marker`."
    def __init__(self, marker: Path): self.marker = marker
    def __reduce__(self): return (os.system, (f'touch {self.marker}',))


def test_plain_pickle_would_run_it(tmp_path):
    "The fixture is live: an unrestricted load does run the payload (so the tests below can fail)."
    pickle.loads(pickle.dumps(Booby(tmp_path / 'ran')))
    assert (tmp_path / 'ran').exists()


@pytest.mark.parametrize('name', ['model.pt', 'checkpoints/step-0000002.pt'])
def test_load_student_refuses_booby_trapped_file(tmp_path, name):
    "A model.pt or checkpoint whose weights are a code-running object is refused, naming the global; nothing runs."
    from furpe.core import UnsafePickleError
    from furpe.train import TrainConfig, load_student
    marker, path = tmp_path / 'pwned', tmp_path / 'run' / name
    path.parent.mkdir(parents=True)
    torch.save({'config': TrainConfig.for_profile('smoke').to_dict(), 'model': {'w': Booby(marker)}, 'step': 2}, path)
    with pytest.raises(UnsafePickleError, match='system') as e:
        load_student(tmp_path / 'run', checkpoint=path if name != 'model.pt' else None)
    assert e.value.path == path and e.value.name == 'system'
    assert not marker.exists()


def test_checkpoint_loader_refuses_booby_trapped_checkpoint(tmp_path):
    "The loader `train(resume=True)` reads the newest checkpoint with refuses a payload hidden in the RNG state; nothing runs."
    import inspect
    import furpe.train
    from furpe.core import UnsafePickleError, safe_torch_load
    src = inspect.getsource(furpe.train)
    assert 'torch.load(' not in src and src.count('safe_torch_load(') >= 2   # resume and load_student both go through it
    marker, path = tmp_path / 'pwned', tmp_path / 'run' / 'checkpoints' / 'step-0000004.pt'
    path.parent.mkdir(parents=True)
    torch.save({'step': 4, 'rng': {'numpy': Booby(marker)}}, path)
    with pytest.raises(UnsafePickleError, match='system'): safe_torch_load(path)
    assert not marker.exists()


def test_safe_pickle_load_arrays_and_refusal(tmp_path):
    "A vertex-id file round-trips; the same file with a payload is refused and runs nothing."
    from furpe.core import UnsafePickleError, safe_pickle_load
    ids = {'left_hand': np.arange(778), 'right_hand': np.arange(778, 1556)}
    (tmp_path / 'ok.pkl').write_bytes(pickle.dumps(ids, protocol=2))
    back = safe_pickle_load(tmp_path / 'ok.pkl')
    assert all(np.array_equal(back[k], ids[k]) for k in ids)
    marker = tmp_path / 'pwned'
    (tmp_path / 'bad.pkl').write_bytes(pickle.dumps({**ids, 'x': Booby(marker)}, protocol=2))
    with pytest.raises(UnsafePickleError, match='system'): safe_pickle_load(tmp_path / 'bad.pkl')
    assert not marker.exists()
