"""Every script in examples/ runs under real PyTorch and under `python -m jtorch` and prints the same thing.

Each example runs once per framework (all runs start together, two at a time). Outputs are compared
line by line: the printed structure (model reprs, parameter names and shapes, children/modules,
state_dict keys, dtypes) must be identical, and every number on a line that does not depend on the
framework's random stream must agree within float32 tolerance. Lines that print freshly drawn random
values (`torch.randn` inputs, shuffled batches, dropout) are compared for structure only.
"""
import concurrent.futures
import os
import re
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")
TIMEOUT = 300

# script -> (arguments, regex of lines whose numbers depend on the random stream)
SEED_PROGRAMS = {
    "module_tour.py": ([], None),
    "nn_tour.py": (["--epochs", "2", "--steps", "5", "--batch-size", "4"], r"^(tensor\(|\s|Epoch \d)"),
    "three_output_head.py": (["--samples", "200", "--epochs", "2"], r"^\[\d+,"),
    "sgd_exponential_lr.py": (["--epochs", "8"], None),
    "module_and_dataset.py": ([], None),
    "data_parallel_and_samplers.py": ([], r"^(resampled class shares|batches):"),
}
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|\bnan\b|\binf\b")


def _run(args, cwd, use_jtorch):
    env = dict(os.environ)
    if use_jtorch:
        env["PYTHONPATH"] = os.pathsep.join([ROOT, env.get("PYTHONPATH", "")])
        command = [sys.executable, "-m", "jtorch", *args]
    else:
        command = [sys.executable, *args]
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stderr[-4000:]}"
    return result.stdout


def _script(name):
    return os.path.join(EXAMPLES, name)


def _checkpoint_job(tmp):
    path = os.path.join(tmp, "ckpt_from_torch.pth")
    _run([_script("load_torch_checkpoint.py"), "--write", path], tmp, use_jtorch=False)
    return (_run([_script("load_torch_checkpoint.py"), path], tmp, use_jtorch=False),
            _run([_script("load_torch_checkpoint.py"), path], tmp, use_jtorch=True))


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """{(name, framework): stdout or the exception its run raised}, every run started at once."""
    tmp = str(tmp_path_factory.mktemp("examples"))
    jobs = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        jobs["checkpoint"] = pool.submit(_checkpoint_job, tmp)
        jobs[("image_folder.py", "jtorch")] = pool.submit(
            _run, [_script("image_folder.py"), "--root", os.path.join(tmp, "images")], tmp, True)
        for framework in ("jtorch", "torch"):
            jobs[("train_digits.py", framework)] = pool.submit(
                _run, [_script("train_digits.py"), "--epochs", "1", "--out", os.path.join(tmp, f"digits_{framework}")],
                tmp, framework == "jtorch")
        for name, (args, _) in SEED_PROGRAMS.items():
            for framework in ("jtorch", "torch"):
                jobs[(name, framework)] = pool.submit(_run, [_script(name), *args], tmp, framework == "jtorch")
        return {key: job.exception() or job.result() for key, job in jobs.items()}, tmp


def _result(outputs, key):
    value = outputs[0][key]
    if isinstance(value, BaseException):
        raise value
    return value


def _structure(text):
    return re.sub(r"\s+", "", NUMBER.sub("#", text))


def _deterministic_lines(text, random_lines):
    pattern = re.compile(random_lines) if random_lines else None
    return [line for line in text.splitlines() if line.strip() and not (pattern and pattern.match(line))]


def assert_same_output(ours, theirs, random_lines=None):
    """Same structure everywhere; same numbers (float32 tolerance) on every line not marked random."""
    assert _structure(ours) == _structure(theirs)
    our_lines = _deterministic_lines(ours, random_lines)
    their_lines = _deterministic_lines(theirs, random_lines)
    assert len(our_lines) == len(their_lines)
    for mine, reference in zip(our_lines, their_lines):
        assert NUMBER.sub("#", mine) == NUMBER.sub("#", reference), (mine, reference)
        got = [float(v) for v in NUMBER.findall(mine)]
        want = [float(v) for v in NUMBER.findall(reference)]
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=2e-4, err_msg=f"\n{mine}\n{reference}")


@pytest.mark.parametrize("name", sorted(SEED_PROGRAMS))
def test_seed_program_prints_what_pytorch_prints(outputs, name):
    assert_same_output(_result(outputs, (name, "jtorch")), _result(outputs, (name, "torch")), SEED_PROGRAMS[name][1])


def test_seed_models_print_and_name_parameters_like_pytorch(outputs):
    """The seeds' model definitions: print(model), named_parameters, children and modules, line for line."""
    for name, expected in [("module_tour.py", ["parameters: net.0.net.weight torch.Size([3, 4])",
                                               "children: net Sequential(", "modules: net.0.net Linear(",
                                               "MyLinear parameters: [('w', (3, 4), True), ('b', (3,), True)]"]),
                           ("nn_tour.py", ["MyComplexModel(", "custom_param torch.Size([128, 128])",
                                           "fc1.weight torch.Size([128, 9216])"]),
                           ("three_output_head.py", ["NN(", "net.4.weight (27, 300)"])]:
        text = _result(outputs, (name, "jtorch"))
        reference = _result(outputs, (name, "torch"))
        for line in expected:
            assert line in reference
            assert line in text


def test_checkpoint_written_by_pytorch_loads_and_resumes_under_jtorch(outputs):
    torch_out, jtorch_out = _result(outputs, "checkpoint")
    assert "model: <All keys matched successfully>" in jtorch_out
    assert_same_output(jtorch_out, torch_out)


def test_image_folder_under_jtorch(outputs):
    """ImageFolder + ToTensor + Normalize + DataLoader, checked against the PNG files read with PIL and numpy
    (and against torchvision's own output where torchvision is installed)."""
    from PIL import Image

    text = _result(outputs, ("image_folder.py", "jtorch"))
    root = os.path.join(outputs[1], "images")
    paths = [(f"{c}/{f}", label) for label, c in enumerate(sorted(os.listdir(root)))
             for f in sorted(os.listdir(os.path.join(root, c)))]
    assert f"samples: {paths}" in text
    images = [(np.asarray(Image.open(os.path.join(root, p)), dtype=np.float32).transpose(2, 0, 1) / 255 - 0.5) / 0.25
              for p, _ in paths]
    printed = re.search(r"^pixels: \[(.*)\]$", text, re.M).group(1)
    np.testing.assert_allclose([float(v) for v in printed.split(",")], images[4][:, 0, :3].ravel(), atol=1e-5)
    means = [float(m) for m in re.findall(r"^batch: .* mean (\S+)$", text, re.M)]
    np.testing.assert_allclose(means, [np.mean(images[:4]), np.mean(images[4:])], atol=1e-5)
    try:
        import torchvision  # noqa: F401
    except ImportError:
        return
    assert_same_output(text, _run([_script("image_folder.py"), "--root", os.path.join(outputs[1], "images_tv")],
                                  outputs[1], use_jtorch=False).replace("images_tv", "images"))


def test_train_digits_learns_and_saves_a_checkpoint_pytorch_reads(outputs):
    """The main job, one epoch: jtorch learns like PyTorch, and the checkpoint jtorch writes loads into real
    PyTorch with the same keys, shapes and dtypes. (`--compile` costs more compilation than one epoch is worth
    here; tests/test_compile.py covers compiled steps.)"""
    import torch

    ours, theirs = _result(outputs, ("train_digits.py", "jtorch")), _result(outputs, ("train_digits.py", "torch"))
    assert ours.split("epoch  1")[0] == theirs.split("epoch  1")[0]  # print(model)
    for text in (ours, theirs):
        accuracy = float(re.search(r"final test accuracy (\S+) in", text).group(1))
        assert accuracy >= 0.85, text
    saved = {f: torch.load(os.path.join(outputs[1], f"digits_{f}", "digits_cnn.pth")) for f in ("jtorch", "torch")}
    assert list(saved["jtorch"]) == list(saved["torch"])
    for key, value in saved["torch"].items():
        assert (saved["jtorch"][key].shape, saved["jtorch"][key].dtype) == (value.shape, value.dtype), key
