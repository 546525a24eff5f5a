"""python -m jtorch runs unmodified PyTorch scripts with torch resolved to jtorch."""
import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_script(tmp_path, source: str, *args: str) -> subprocess.CompletedProcess:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    env = {**os.environ, "PYTHONPATH": ROOT}
    return subprocess.run([sys.executable, "-m", "jtorch", str(script), *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_script_sees_jtorch_as_torch_with_argv_and_main(tmp_path):
    result = run_script(tmp_path, """
        import sys
        import torch
        import torch.autograd
        from torch import linalg
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        print(type(x).__module__, sys.argv[1:], __name__, x.grad.tolist())
    """, "--flag", "value")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "jtorch._tensor ['--flag', 'value'] __main__ [2.0, 4.0]"


def test_missing_torch_submodule_names_itself(tmp_path):
    result = run_script(tmp_path, "import torch.fx\n")
    assert result.returncode != 0
    assert "ModuleNotFoundError: jtorch does not provide 'torch.fx'" in result.stderr


def test_missing_submodule_in_from_import_names_itself(tmp_path):
    """`from torch import x` / `from torchvision import x` name the torch module, like `import torch.x` does."""
    result = run_script(tmp_path, """
        for statement in ("from torch import fx", "from torchvision import io",
                          "from torch.nn import no_such_module"):
            try:
                exec(statement)
            except ModuleNotFoundError as e:  # an ImportError, as PyTorch's own missing modules give
                print(e.name)
        from torch import nn, optim, Tensor
        print(nn.__name__, optim.__name__, Tensor.__name__)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["torch.fx", "torchvision.io", "torch.nn.no_such_module",
                                     "jtorch.nn", "jtorch.optim", "Tensor"]


def test_install_as_torch_in_process():
    code = textwrap.dedent("""
        import jtorch
        jtorch.install_as_torch()
        jtorch.install_as_torch()  # twice is harmless
        import torch, torchvision
        import torch.nn.functional as F
        from torch.utils.data import DataLoader
        from torchvision import transforms
        print(torch is jtorch, F is jtorch.nn.functional, torchvision is jtorch.vision,
              DataLoader is jtorch.utils.data.DataLoader, transforms is jtorch.vision.transforms)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": ROOT})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True"] * 5


def test_cuda_and_backends_flags_are_accepted(tmp_path):
    result = run_script(tmp_path, """
        import torch
        torch.backends.cudnn.benchmark = True
        device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
        print(torch.zeros(2, device=device).device.type == device.type)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_cuda_tensor_without_gpu_raises_like_torch():
    import pytest
    import torch

    import jtorch
    if jtorch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    for lib in (torch, jtorch):
        with pytest.raises(AssertionError, match="not compiled with CUDA"):
            lib.zeros(2).cuda()
