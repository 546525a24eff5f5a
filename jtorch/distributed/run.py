"""``jtorchrun`` / ``python -m jtorch.distributed.run``: torchrun for jtorch.

Starts ``--nproc-per-node`` workers, each ``python -m jtorch script.py args...`` with torchrun's environment
(``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ``LOCAL_WORLD_SIZE``, ``GROUP_RANK``, ``MASTER_ADDR``,
``MASTER_PORT``), so ``init_process_group()`` finds the job. When a worker fails, the others are stopped at
once and the launcher exits non-zero, naming the first failed rank and showing its traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

# How long stopped workers get to exit after SIGTERM before SIGKILL.
_GRACE_SECONDS = 5.0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jtorchrun", description="Run a PyTorch training script on jtorch, one process "
                                "per rank (torchrun's flags).")
    p.add_argument("--nnodes", type=str, default="1", help="number of nodes (an integer)")
    p.add_argument("--nproc-per-node", "--nproc_per_node", type=str, default="1",
                   help="workers per node: an integer, or 'cpu' (one per core)")
    p.add_argument("--node-rank", "--node_rank", type=int, default=0)
    p.add_argument("--master-addr", "--master_addr", default="127.0.0.1")
    p.add_argument("--master-port", "--master_port", type=int, default=29500)
    p.add_argument("--standalone", action="store_true", help="single node, on a free local port")
    p.add_argument("--max-restarts", "--max_restarts", type=int, default=0)
    p.add_argument("--run-path", "--run_path", action="store_true", help="run the script with runpy")
    p.add_argument("-m", "--module", action="store_true", help="the script is a module name (python -m)")
    p.add_argument("--no-python", "--no_python", action="store_true", help="run the script as an executable")
    p.add_argument("training_script")
    p.add_argument("training_script_args", nargs=argparse.REMAINDER)
    return p


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _command(args) -> list[str]:
    if args.no_python:
        return [args.training_script, *args.training_script_args]
    target = ["-m", args.training_script] if args.module else [args.training_script]
    return [sys.executable, "-u", "-m", "jtorch", *target, *args.training_script_args]


def _nproc(value: str) -> int:
    if value == "cpu":
        return os.cpu_count() or 1
    if value in ("gpu", "auto"):
        raise NotImplementedError(f"--nproc-per-node={value} is not supported by jtorch yet: give a number")
    return int(value)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.max_restarts:
        raise SystemExit("jtorchrun: --max-restarts is not supported by jtorch yet")
    if ":" in args.nnodes:
        raise SystemExit("jtorchrun: elastic --nnodes MIN:MAX is not supported by jtorch yet; give one number")
    nnodes, nproc = int(args.nnodes), _nproc(args.nproc_per_node)
    if args.standalone:
        nnodes, args.node_rank, args.master_addr, args.master_port = 1, 0, "127.0.0.1", _free_port()
    world_size = nnodes * nproc
    error_dir = tempfile.mkdtemp(prefix="jtorchrun_")
    run_id = uuid.uuid4().hex
    workers = []
    for local_rank in range(nproc):
        rank = args.node_rank * nproc + local_rank
        env = dict(os.environ, RANK=str(rank), LOCAL_RANK=str(local_rank), WORLD_SIZE=str(world_size),
                   LOCAL_WORLD_SIZE=str(nproc), GROUP_RANK=str(args.node_rank), ROLE_RANK=str(rank),
                   ROLE_WORLD_SIZE=str(world_size), MASTER_ADDR=args.master_addr, MASTER_PORT=str(args.master_port),
                   TORCHELASTIC_RUN_ID=run_id, TORCHELASTIC_RESTART_COUNT="0", TORCHELASTIC_MAX_RESTARTS="0",
                   TORCHELASTIC_ERROR_FILE=os.path.join(error_dir, f"error_{rank}.json"))
        workers.append((rank, local_rank, subprocess.Popen(_command(args), env=env, start_new_session=True)))
    previous = {s: signal.signal(s, _raise_interrupt) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        failure = _wait(workers)
    except KeyboardInterrupt:
        _stop(workers)
        return 130
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if failure is None:
        return 0
    _stop(workers)
    _report(args.training_script, failure, error_dir)
    return 1


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _wait(workers: list) -> tuple | None:
    """Poll until every worker has exited (None) or one has failed (its ``(rank, local_rank, process)``)."""
    running = list(workers)
    while running:
        for worker in list(running):
            code = worker[2].poll()
            if code is None:
                continue
            running.remove(worker)
            if code != 0:
                return worker
        time.sleep(0.05)
    return None


def _stop(workers: list) -> None:
    """SIGTERM every live worker's process group, then SIGKILL what is left after the grace period."""
    for _, _, proc in workers:
        if proc.poll() is None:
            _signal_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + _GRACE_SECONDS
    for _, _, proc in workers:
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.wait()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def _report(script: str, failure: tuple, error_dir: str) -> None:
    """torchrun's failure summary for the first failed rank, with its traceback when it left one."""
    rank, local_rank, proc = failure
    traceback_text = "To see the traceback, look above in this output"
    path = os.path.join(error_dir, f"error_{rank}.json")
    if os.path.exists(path):
        with open(path) as f:
            traceback_text = json.load(f)["message"]["extraInfo"]["py_callstack"]
    code = proc.returncode
    exit_text = f"{code} (pid: {proc.pid})" if code >= 0 else f"{code} (pid: {proc.pid}, signal {-code})"
    rule = "=" * 60
    print(f"{rule}\n{script} FAILED\n{'-' * 60}\nRoot Cause (first observed failure):\n[0]:\n"
          f"  time      : {time.strftime('%Y-%m-%d_%H:%M:%S')}\n  host      : {socket.gethostname()}\n"
          f"  rank      : {rank} (local_rank: {local_rank})\n  exitcode  : {exit_text}\n"
          f"  error_file: {path if os.path.exists(path) else '<N/A>'}\n  traceback :\n{traceback_text}\n{rule}",
          file=sys.stderr, flush=True)


def write_error_file(exc: BaseException) -> None:
    """Record a worker's uncaught exception where the launcher reads it (``TORCHELASTIC_ERROR_FILE``)."""
    path = os.environ.get("TORCHELASTIC_ERROR_FILE")
    if not path:
        return
    import traceback
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    with open(path, "w") as f:
        json.dump({"message": {"message": f"{type(exc).__name__}: {exc}",
                               "extraInfo": {"py_callstack": text, "timestamp": str(int(time.time()))}}}, f)


if __name__ == "__main__":
    sys.exit(main())
