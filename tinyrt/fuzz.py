"""A mutation fuzzer for tinyrt's handling of untrusted models.

Each mutant of a seed model is loaded, allocated and invoked on random inputs. The only
acceptable endings are success and a ``TinyrtError``: any other exception, a time-out or memory
growth past the limit is a finding.

    python -m tinyrt.fuzz MODEL... [--mutants N] [--seed S] [--time-limit SECONDS]

Mutations: random byte flips, "interesting" 32-bit values written over words, truncation,
splices of one part of the file over another, and field-level edits — the elements of the
model's int32 vectors (tensor shapes, operator inputs and outputs, subgraph inputs and outputs)
and its scalar fields set to boundary values.
"""
import argparse
import collections
import resource
import signal
import struct
import sys
import time
import traceback

import numpy as np

from .errors import TinyrtError
from .model import DEFAULT_MAX_BYTES

INTERESTING_32 = [0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 1023, 1024,
                  4096, 65535, 65536, 0x7FFF, 0x8000, 0x7FFFFFFF, -0x80000000, -1, -2, -128,
                  0x10000000, 0x40000000]


class Timeout(Exception):
    pass


def _vector_positions(data):
    """(start, count) of every int32 vector in the model: shapes, operator and subgraph
    inputs/outputs — the targets of field-level edits."""
    from .model.flatbuf import FlatBuffer, Table, decode
    from .model.reader import _TABLES
    try:
        raw = decode(FlatBuffer(data), FlatBuffer(data).root(), _TABLES, "Model")
    except TinyrtError:
        return []
    out = []

    def walk(obj):
        if isinstance(obj, dict):
            for k, v in obj.items():
                if k.endswith("__pos") and isinstance(obj.get(k[:-5]), np.ndarray):
                    arr = obj[k[:-5]]
                    if arr.dtype.itemsize == 4 and len(arr):
                        out.append((v, len(arr)))
                elif not isinstance(v, Table):
                    walk(v)
        elif isinstance(obj, list):
            for v in obj:
                walk(v)
    walk(raw)
    return out


class Mutator:
    def __init__(self, seeds, rng):
        self.seeds = [bytes(s) for s in seeds]
        self.rng = rng
        self.vectors = [_vector_positions(s) for s in self.seeds]

    def mutate(self):
        """(kind, mutant bytes)."""
        rng = self.rng
        i = int(rng.integers(len(self.seeds)))
        data = bytearray(self.seeds[i])
        kinds = ["flip", "word", "truncate", "splice", "field", "field", "multi"]
        kind = kinds[int(rng.integers(len(kinds)))]
        if kind == "field" and not self.vectors[i]:
            kind = "word"
        if kind == "flip":
            for _ in range(int(rng.integers(1, 9))):
                p = int(rng.integers(len(data)))
                data[p] ^= 1 << int(rng.integers(8))
        elif kind == "word":
            self._word(data)
        elif kind == "truncate":
            data = data[:int(rng.integers(len(data)))]
        elif kind == "splice":
            other = self.seeds[int(rng.integers(len(self.seeds)))]
            n = int(rng.integers(1, 64))
            src = int(rng.integers(max(len(other) - n, 1)))
            dst = int(rng.integers(max(len(data) - n, 1)))
            chunk = other[src:src + n]
            data[dst:dst + len(chunk)] = chunk
        elif kind == "field":
            start, count = self.vectors[i][int(rng.integers(len(self.vectors[i])))]
            k = int(rng.integers(count + 1))  # count itself: the length word before the data
            p = start + 4 * k if k < count else start - 4
            value = INTERESTING_32[int(rng.integers(len(INTERESTING_32)))]
            if rng.random() < 0.5 and k < count:
                old = struct.unpack_from("<i", data, p)[0]
                value = old + int(rng.integers(-3, 4))
            struct.pack_into("<i", data, p, max(min(value, 0x7FFFFFFF), -0x80000000))
        else:
            for _ in range(int(rng.integers(2, 6))):
                self._word(data)
        return kind, bytes(data)

    def _word(self, data):
        rng = self.rng
        if len(data) < 4:
            return
        p = int(rng.integers(len(data) - 3)) & ~3
        value = INTERESTING_32[int(rng.integers(len(INTERESTING_32)))]
        struct.pack_into("<i", data, p, value)


def run_one(data, rng, max_model_bytes):
    """Load, allocate and invoke a model twice; returns 'ok' or raises."""
    from .interpreter import Interpreter
    it = Interpreter(model_content=data, max_model_bytes=max_model_bytes)
    it.allocate_tensors()
    details = it.get_input_details()
    for _ in range(2):
        for d in details:
            dt = np.dtype(d["dtype"]) if d["dtype"] is not None else None
            if dt is None:
                continue
            shape = tuple(int(s) for s in d["shape"])
            if dt.kind in "iu":
                info = np.iinfo(dt)
                x = rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dt)
            elif dt.kind == "b":
                x = rng.integers(0, 2, size=shape).astype(bool)
            else:
                x = rng.standard_normal(shape).astype(dt)
            it.set_tensor(d["index"], x)
        it.invoke()
    return "ok"


def _rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fuzz(seeds, mutants, seed=0, time_limit=10.0, max_model_bytes=DEFAULT_MAX_BYTES,
         memory_limit_mb=2048, log=None):
    """Run ``mutants`` mutants; returns (Counter of outcomes, list of findings)."""
    rng = np.random.default_rng(seed)
    mut = Mutator(seeds, rng)
    outcomes = collections.Counter()
    findings = []

    def on_alarm(signum, frame):
        raise Timeout()
    old = signal.signal(signal.SIGALRM, on_alarm)
    try:
        for n in range(mutants):
            kind, data = mut.mutate()
            signal.setitimer(signal.ITIMER_REAL, time_limit)
            try:
                run_one(data, rng, max_model_bytes)
                outcome = "ok"
            except TinyrtError as e:
                outcome = type(e).__name__
            except Timeout:
                outcome = "TIMEOUT"
                findings.append((n, kind, data, "time limit exceeded"))
            except Exception as e:  # noqa: BLE001 - the point is to catch everything else
                outcome = "CRASH:" + type(e).__name__
                findings.append((n, kind, data, traceback.format_exc()))
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            outcomes[outcome] += 1
            if _rss_mb() > memory_limit_mb:
                findings.append((n, kind, data, f"memory grew to {_rss_mb():.0f} MB"))
                outcomes["MEMORY"] += 1
                break
            if log and (n + 1) % 1000 == 0:
                log(f"{n + 1} mutants: {dict(outcomes)}")
    finally:
        signal.signal(signal.SIGALRM, old)
    return outcomes, findings


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m tinyrt.fuzz", description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="+", help="seed .tflite files")
    ap.add_argument("--mutants", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per mutant")
    ap.add_argument("--save", metavar="DIR", help="write findings (mutant files) here")
    ap.add_argument("--max-model-bytes", type=int, default=DEFAULT_MAX_BYTES,
                    help="the interpreters' max_model_bytes (default: the library's, "
                         f"{DEFAULT_MAX_BYTES})")
    args = ap.parse_args(argv)
    seeds = [open(p, "rb").read() for p in args.models]
    t = time.time()
    outcomes, findings = fuzz(seeds, args.mutants, args.seed, args.time_limit,
                              max_model_bytes=args.max_model_bytes,
                              log=lambda s: print(s, file=sys.stderr, flush=True))
    elapsed = time.time() - t
    done = sum(v for k, v in outcomes.items() if k != "MEMORY")
    print(f"{done} mutants of {len(seeds)} models in {elapsed:.0f} s "
          f"(max RSS {_rss_mb():.0f} MB)")
    for k, v in sorted(outcomes.items(), key=lambda kv: -kv[1]):
        print(f"  {k:<24} {v}")
    for n, kind, data, why in findings[:20]:
        print(f"finding: mutant {n} ({kind}): {why.strip().splitlines()[-1]}")
    if args.save and findings:
        import os
        os.makedirs(args.save, exist_ok=True)
        for n, kind, data, why in findings:
            with open(os.path.join(args.save, f"mutant_{n}_{kind}.tflite"), "wb") as f:
                f.write(data)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
