"""Model files are read with a bounded read: only regular files, never blocking, never more
than max_model_bytes."""
import os
import threading

import pytest

import tinyrt
from tinyrt.model import load_model
from oracle import shared_model


def _refused(path, match, **kw):
    done = {}

    def load():
        try:
            tinyrt.Interpreter(model_path=str(path), **kw)
        except BaseException as e:      # noqa: BLE001 - the test inspects whatever came out
            done["error"] = e
    t = threading.Thread(target=load, daemon=True)
    t.start()
    t.join(10)
    assert not t.is_alive(), f"loading {path} blocked"
    assert isinstance(done.get("error"), tinyrt.ModelError), done
    assert match in str(done["error"])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "model.tflite"
    os.mkfifo(fifo)
    _refused(fifo, "is not a regular file (a FIFO)")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_devices_are_refused(device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    _refused(device, "a character device", max_model_bytes=1000)
    _refused(device, "a character device")


def test_directory_is_refused(tmp_path):
    _refused(tmp_path, "is not a regular file (a directory)")


def test_missing_file_is_a_model_error(tmp_path):
    _refused(tmp_path / "absent.tflite", "No such file")


def test_file_over_the_limit_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.tflite"
    with open(big, "wb") as f:
        f.truncate(5000)          # sparse: nothing to read, only the size counts
    _refused(big, "has 5000 bytes, over the limit of 4096 (raise max_model_bytes",
             max_model_bytes=4096)


def test_file_at_the_limit_loads():
    path = shared_model("hello_world_int8.tflite")
    size = path.stat().st_size
    assert load_model(path, max_bytes=size).subgraphs
    with pytest.raises(tinyrt.ModelError, match="over the limit"):
        load_model(path, max_bytes=size - 1)
