"""The documentation site (`furpe docs`, `make docs`): built once from the notebooks into a temporary folder (Sphinx
warnings and broken links fail the build; no notebook runs), then looked at in headless Chromium: the index shows the
README, a module page shows a function's docments table, images and every local asset load, pages draw.
Without Chromium (`apt-get install -y chromium`; `make browser` does it as root) the browser tests are skipped, saying so."""
import html, re, time
from pathlib import Path

import pytest

pytest.importorskip('myst_nb', reason='the docs extra is not installed: pip install -e ".[docs]"')

from docutils.nodes import make_id
from fastcore.docments import docments
from PIL import Image

import furpe.benchmarks
from furpe.docs import build_site, dump_dom, find_chromium, notebooks, page_of, probe_assets, screenshot

ROOT = Path(__file__).resolve().parents[1]
needs_chromium = pytest.mark.skipif(find_chromium() is None,
                                    reason='chromium is not installed (apt-get install -y chromium, or `make browser` as root): '
                                           'the site was built and its links checked, but no page was opened in a browser')


@pytest.fixture(scope='module')
def site(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp('site')
    t = time.time()
    r = build_site(ROOT, out=d / 'html', src=d / 'src')
    r['wall_s'] = round(time.time() - t, 1)
    print(f"site built in {r['wall_s']} s: sources {r['sources_s']} s, Sphinx {r['sphinx_s']} s, links {r['links_s']} s")
    return r


def _text(fragment: str) -> str:
    "The visible text of an HTML fragment, whitespace collapsed."
    return ' '.join(html.unescape(re.sub(r'<[^>]+>', ' ', fragment)).split())


def test_every_notebook_has_a_page_and_every_link_resolves(site):
    out = site['out']
    for nb in notebooks(ROOT):
        assert (out / f"{page_of(nb, ROOT / 'nbs')}.html").is_file(), nb
    assert (out / 'index.html').is_file() and (out / 'results.html').is_file()
    assert site['broken'] == [] and site['links_localized'] > 0
    index = (out / 'index.html').read_text()
    assert 'href="body.html"' in index and 'href="experiments/benchmarks.html"' in index   # the sidebar reaches every page


def test_experiment_pages_show_code_and_no_run(site):
    "The build never runs a notebook: experiment pages carry their code and no output."
    for page in (site['out'] / 'experiments').glob('*.html'):
        text = page.read_text()
        assert 'class="highlight' in text and 'cell_output' not in text, page.name


def _documented_function():
    "A function of furpe.benchmarks with at least two documented parameters (what the module page must show)."
    for name in furpe.benchmarks.__all__:
        obj = getattr(furpe.benchmarks, name)
        if callable(obj) and not isinstance(obj, type):
            dm = {k: v for k, v in docments(obj).items() if k not in ('self', 'return') and v}
            if len(dm) >= 2: return name, dm
    raise AssertionError('no documented function in furpe.benchmarks')


@needs_chromium
def test_index_shows_the_readme(site):
    dom = dump_dom((site['out'] / 'index.html').as_uri())
    readme = (ROOT / 'README.md').read_text().splitlines()
    title = readme[0].lstrip('# ').strip()
    h1 = re.search(r'<h1>(.*?)</h1>', dom, re.S)
    assert h1 and _text(h1.group(1)).startswith(title), h1
    for heading in [l.lstrip('# ').strip() for l in readme if l.startswith('## ')]:
        assert heading in _text(dom), heading
    assert re.search(r'href="body\.html#annybody"', dom)   # a backticked name of the README links to its documentation


@needs_chromium
def test_module_page_shows_a_docments_table(site):
    name, dm = _documented_function()
    dom = dump_dom((site['out'] / 'benchmarks.html').as_uri())
    at = dom.find(f'id="{make_id(name)}"')
    assert at >= 0, f'no section for {name}'
    table = re.search(r'<table.*?</table>', dom[at:], re.S)
    assert table, f'no table after {name}'
    text = _text(table.group(0))
    for k, comment in dm.items():
        assert k in text and ' '.join(comment.replace('`', '').split()) in text, (name, k, comment, text)


@needs_chromium
def test_images_and_assets_load(site):
    out = site['out']
    r = probe_assets(out / 'results.html')
    assert r['images'] == len(list((ROOT / 'figures').glob('*.png'))) and r['images'] > 0, r
    assert r['broken'] == [] and r['sheets'] == [] and r['errors'] == [], r
    for page in ['index.html', 'benchmarks.html', 'losses.html', 'experiments/benchmarks.html']:   # losses: formulas (MathJax)
        r = probe_assets(out / page)
        assert r['broken'] == [] and r['sheets'] == [] and r['errors'] == [], (page, r)


@needs_chromium
def test_pages_draw(site, tmp_path):
    for page in ['index.html', 'body.html']:
        png = screenshot((site['out'] / page).as_uri(), tmp_path / f'{page}.png')
        im = Image.open(png).convert('RGB')
        assert im.size == (1280, 1600), im.size
        assert len(im.getcolors(1 << 20)) > 50, page   # text, code and the sidebar: not a blank page
