"""Synthetic images per second (scene sampling + rendering + storage) at 256 px, with 1 and 2 worker processes.

    python benchmarks/synth_throughput.py [--images 64] [--domain curated]

Generates `--images` images of a domain into a temporary folder with 1 and then 2 workers (each worker
builds its own body model and renderer; that start-up is included, as in a real run). Prints images/s,
the 2-worker scaling against 1 worker measured in the same run, and the ratio to the 60 images/s target.
"""
import argparse, os, tempfile, time

TARGET = 60.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--images', type=int, default=64)
    ap.add_argument('--domain', default='curated')
    a = ap.parse_args()
    os.environ.setdefault('FURPE_QUIET', '1')
    from furpe.synth import generate_domain
    rates = {}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as d:
            t = time.perf_counter()
            generate_domain(d, a.domain, 'train', 'smoke', seed=0, workers=workers, num_samples=a.images,
                            shard_size=max(1, a.images // (4 * workers)))
            rates[workers] = a.images / (time.perf_counter() - t)
    print(f'domain={a.domain} images={a.images} size=256px (start-up of each worker included)')
    print(f"{'workers':>8}{'images/s':>10}{'vs 1 worker':>13}{'vs target':>11}")
    for w, r in rates.items():
        print(f'{w:>8}{r:>10.1f}{r / rates[1]:>13.2f}{r / TARGET:>11.2f}')
    print(f'target: {TARGET:.0f} images/s with 2 workers (ratio < 1 misses it by that factor)')


if __name__ == '__main__':
    main()
