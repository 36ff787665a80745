"""The `cpu` choices recorded in code (`furpe.settings`) are the ones the committed validation tables made.

`04_premise` chooses Table 6's loss weights and `05_distillation` eq. 14's settings on `ehf_val`; each writes the
choice and whether the code agrees into its table. A choice in code that no committed `cpu` run made fails here,
so Table 6 cannot silently train on settings that were not chosen on validation.
"""
import re
from pathlib import Path

import pytest

from furpe import settings

TABLES = Path(__file__).resolve().parents[1] / 'tables'


def chosen(table: str) -> str:
    "The name after 'Chosen on ehf_val:' in a committed `cpu` table."
    text = (TABLES / table).read_text()
    m = re.search(r"Chosen on ehf_val: '([^']+)'", text)
    assert m, f"{table} records no choice: re-run its notebook on the cpu profile."
    assert 'DISAGREES' not in text, f"{table} says the code disagrees with its run: update furpe.settings (11b_settings) or re-run."
    return m.group(1)


@pytest.mark.parametrize('table, name, candidates', [
    ('premise_choice_cpu.md', 'CPU_LOSSES', 'LOSS_CANDIDATES'),
    ('distillation_cpu.md', 'CPU_DISTILLATION', 'DISTILLATION_CANDIDATES')])
def test_cpu_choice_is_the_validation_tables(table, name, candidates):
    choice = chosen(table)
    assert choice in getattr(settings, candidates), f"{table} chose {choice!r}, not one of settings.{candidates}."
    assert getattr(settings, name) == choice, f"settings.{name} is {getattr(settings, name)!r}; {table} chose {choice!r} on ehf_val."
