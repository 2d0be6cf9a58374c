#!/usr/bin/env python3
"""Duet benchmarking for builds, measured (docs/reports.md, "Duet mode").

Two copies of the example workspace (base, and head with extra macro work in its library),
each with its own target folder. Every round edits the library of both and rebuilds both:

- alternation: base then head (head then base in every other round), each `cargo build -j2`
  on the whole machine, as `compare --rev` does;
- duet: base and head at the same time, each `cargo build -j1` pinned to a core of its own
  (taskset), as Bulej et al. (ICPE 2020) run their two versions.

A busy neighbour (a busy loop the scheduler places, on for 2 s, off for 3 s) runs throughout. The spread
that matters to a gate is that of the per-round log-ratio ln(head / base): printed for each
mode, with the mean ratio.

    python3 docs/results/duet.py [ROUNDS]
"""
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIXTURE = os.path.join(ROOT, "fixtures", "projects", "example-workspace")
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 20


def build(project, jobs, core=None):
    cmd = ["cargo", "build", "-q", "-j", str(jobs)]
    if core is not None:
        cmd = ["taskset", "-c", str(core)] + cmd
    start = time.monotonic()
    subprocess.run(cmd, cwd=project, check=True)
    return time.monotonic() - start


def edit(project, n):
    with open(os.path.join(project, "crates", "core", "src", "lib.rs"), "a") as f:
        f.write(f"\npub fn duet_edit_{n}() -> u64 {{ {n} }}\n")


def neighbour(stop):
    while not stop.is_set():
        p = subprocess.Popen(["sh", "-c", "while :; do :; done"])
        stop.wait(2.0)
        p.kill()
        p.wait()
        stop.wait(3.0)


def summary(name, ratios):
    logs = [math.log(r) for r in ratios]
    sd = statistics.stdev(logs)
    print(f"{name}: {len(ratios)} rounds, head/base {math.exp(statistics.mean(logs)):.3f}, "
          f"sd of ln(head/base) {sd * 100:.1f}%")
    return sd


def main():
    work = tempfile.mkdtemp(prefix="duet-")
    try:
        base, head = os.path.join(work, "base"), os.path.join(work, "head")
        shutil.copytree(FIXTURE, base, ignore=shutil.ignore_patterns("target"))
        shutil.copytree(FIXTURE, head, ignore=shutil.ignore_patterns("target"))
        with open(os.path.join(head, "crates", "core", "src", "lib.rs"), "a") as f:
            f.write("pub const MORE: [u64; 40000] = example_macros::squares!(40000);\n")
        for p in (base, head):
            build(p, 2)
        stop = threading.Event()
        t = threading.Thread(target=neighbour, args=(stop,))
        t.start()
        alternation, duet = [], []
        n = 0
        try:
            for r in range(ROUNDS):
                # Alternation, ABBA.
                n += 1
                for p in (base, head):
                    edit(p, n)
                order = (base, head) if r % 2 == 0 else (head, base)
                times = {p: build(p, 2) for p in order}
                alternation.append(times[head] / times[base])
                # Duet: both at once, one core each.
                n += 1
                for p in (base, head):
                    edit(p, n)
                results = {}
                threads = [threading.Thread(target=lambda p=p, c=c: results.__setitem__(p, build(p, 1, c)))
                           for p, c in ((base, 0), (head, 1))]
                for th in threads:
                    th.start()
                for th in threads:
                    th.join()
                duet.append(results[head] / results[base])
        finally:
            stop.set()
            t.join()
        a = summary("alternation (-j2, in turns)", alternation)
        d = summary("duet (-j1 each, at once, pinned)", duet)
        print(f"duet / alternation spread: {d / a:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
