"""Peak resident memory of reading a rendered dataset's images a chunk at a time: pages kept mapped, against released per shard.

    python benchmarks/dataset_rss.py [--scenes 4000] [--chunk 500] [--root DIR --name NAME]

`data.open_dataset` memory-maps the image shards, and Linux counts every page read in the process's RSS (as
file-backed pages) until it is unmapped. Kept mapped (`release_pages=False`, the reference row and the kit's old
behaviour), a pass over N images ends with about the whole image store in its RSS (04e read 40,000 rendered scenes
this way: peak RSS 9.48 GB). `ShardedArrays` now drops a shard's pages when a read moves to another shard
(`madvise(MADV_DONTNEED)`; they stay in the page cache), so a pass keeps about one shard resident. Without `--root`,
the benchmark renders `--scenes` curated scenes at the `cpu` profile's image size into a temporary folder (about 45 ms
a scene on 2 workers). Each way is read in a fresh process, from one open dataset.
"""
import argparse, json, subprocess, sys, tempfile, time
from pathlib import Path

READER = r'''
import json, sys, time
from pathlib import Path
from furpe.data import open_dataset
def rss():
    return {l.split(':')[0]: int(l.split()[1]) / 1024 for l in open('/proc/self/status') if l.startswith('Rss')}   # MiB
release, root, name, chunk = sys.argv[1] == 'released per shard', Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
peak = {}; t = time.perf_counter()
scenes = open_dataset(root, name); scenes.release_pages = release; n = len(scenes)
for s in range(0, n, chunk):
    images = [scenes.get(i, 'image') for i in range(s, min(s + chunk, n))]
    peak = {k: max(v, peak.get(k, 0)) for k, v in rss().items()}
    del images
print(json.dumps({'images': n, 's': time.perf_counter() - t, **{f'peak {k} MiB': v for k, v in peak.items()}}))
'''


def read(way: str, root: Path, name: str, chunk: int) -> dict:
    "One way of reading, in a fresh process (so no page is mapped before it starts)."
    out = subprocess.run([sys.executable, '-c', READER, way, str(root), name, str(chunk)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--scenes', type=int, default=4000)
    ap.add_argument('--chunk', type=int, default=500)
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
    rows = {way: read(way, root, a.name, a.chunk) for way in ('kept mapped', 'released per shard')}
    ref = rows['kept mapped']['peak RssFile MiB']
    print(f"{'reading':<20}{'images':>8}{'s':>8}{'peak RssFile MiB':>18}{'peak RssAnon MiB':>18}{'file ÷ reference':>18}")
    for way, r in rows.items():
        print(f"{way:<20}{r['images']:>8}{r['s']:>8.1f}{r['peak RssFile MiB']:>18.0f}{r['peak RssAnon MiB']:>18.0f}{r['peak RssFile MiB'] / ref:>18.2f}")


if __name__ == '__main__':
    main()
