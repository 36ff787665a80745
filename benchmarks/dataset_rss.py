"""Peak resident memory of reading a rendered dataset's images a chunk at a time: pages kept mapped, against released per shard.

    python benchmarks/dataset_rss.py [--scenes 4000] [--chunk 500] [--random 4000] [--root DIR --name NAME]

`data.open_dataset` memory-maps the image shards, and Linux counts every page read in the process's RSS (as
file-backed pages) until it is unmapped. Kept mapped (`release_pages=False`, the reference row and the kit's old
behaviour), a pass over N images ends with about the whole image store in its RSS (04e read 40,000 rendered scenes
this way: peak RSS 9.48 GB). `ShardedArrays` now drops a shard's pages when a read moves to another shard
(`madvise(MADV_DONTNEED)`; they stay in the page cache), so a pass keeps about one shard resident. Without `--root`,
the benchmark renders `--scenes` curated scenes at the `cpu` profile's image size into a temporary folder (about 45 ms
a scene on 2 workers). Each way is read in a fresh process, from one open dataset: in order, a chunk at a time (as
04e's detector pass), and `--random` images in random order (as a training mixture samples them; a read that moves
to another shard then drops the last one's pages, so this row shows what the release costs).
"""
import argparse, json, subprocess, sys, tempfile, time
from pathlib import Path

READER = r'''
import json, sys, time
from pathlib import Path
from furpe.data import open_dataset
def rss():
    return {l.split(':')[0]: int(l.split()[1]) / 1024 for l in open('/proc/self/status') if l.startswith('Rss')}   # MiB
import numpy as np
release, order, root, name, chunk, count = sys.argv[1] == 'released per shard', sys.argv[2], Path(sys.argv[3]), sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
peak = {}; t = time.perf_counter()
scenes = open_dataset(root, name); scenes.release_pages = release; n = len(scenes)
order = np.arange(n) if order == 'in order' else np.random.default_rng(0).integers(n, size=count)
for s in range(0, len(order), chunk):
    images = [scenes.get(int(i), 'image') for i in order[s:s + chunk]]
    peak = {k: max(v, peak.get(k, 0)) for k, v in rss().items()}
    del images
print(json.dumps({'images': len(order), 's': time.perf_counter() - t, **{f'peak {k} MiB': v for k, v in peak.items()}}))
'''


def read(way: str, order: str, root: Path, name: str, chunk: int, count: int) -> dict:
    "One way of reading, in a fresh process (so no page is mapped before it starts)."
    out = subprocess.run([sys.executable, '-c', READER, way, order, str(root), name, str(chunk), str(count)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--scenes', type=int, default=4000)
    ap.add_argument('--chunk', type=int, default=500)
    ap.add_argument('--random', type=int, default=4000, help='images read in random order')
    ap.add_argument('--root', type=Path, help='a datasets folder holding --name (default: render one)')
    ap.add_argument('--name', default='curated_test')
    a = ap.parse_args()
    root = a.root
    if root is None:
        from furpe.synth import generate_domain
        root = Path(tempfile.mkdtemp(prefix='furpe_rss_'))
        t = time.perf_counter()
        card = generate_domain(root, 'curated', 'test', 'cpu', 0, num_samples=a.scenes)
        print(f'rendered {card.num_samples} scenes in {time.perf_counter() - t:.1f} s into {root}')
    print(f"{'order':<10}{'reading':<20}{'images':>8}{'s':>8}{'s ÷ reference':>15}{'peak RssFile MiB':>18}{'peak RssAnon MiB':>18}{'file ÷ reference':>18}")
    for order in ('in order', 'random'):
        rows = {way: read(way, order, root, a.name, a.chunk, a.random) for way in ('kept mapped', 'released per shard')}
        ref = rows['kept mapped']
        for way, r in rows.items():
            print(f"{order:<10}{way:<20}{r['images']:>8}{r['s']:>8.1f}{r['s'] / ref['s']:>15.2f}{r['peak RssFile MiB']:>18.0f}"
                  f"{r['peak RssAnon MiB']:>18.0f}{r['peak RssFile MiB'] / ref['peak RssFile MiB']:>18.2f}")


if __name__ == '__main__':
    main()
