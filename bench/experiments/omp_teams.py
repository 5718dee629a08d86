"""Why torch's int4 kernel was slow in the app's threads: OpenMP teams, measured; writes JSON.

    python bench/experiments/omp_teams.py [--new-tokens 64] [--repeats 3] [--out bench/results/omp_teams.json]

torch's CPU parallelism is OpenMP (libgomp). Every thread that runs a parallel torch op
gets an OpenMP *team* of its own (itself plus ``torch.get_num_threads() - 1`` workers) and
keeps it while it lives. When the workers of all teams together outnumber the CPUs, libgomp
stops letting idle workers spin and puts them to sleep at once, so each parallel region
pays a wake-up; no environment variable turns that off. Small kernels, like the int4
matrix-vector product of one decoding step (~0.1 ms), lose their parallel speed-up. The app
loaded its models on the main thread (a team kept there for good), embedded and checked in
Gradio's handler threads (theirs too) and generated in a worker thread: always more than
one team. Now loads, embedding and checking run in threads that end
(``core.device.own_thread``), so a team lives only while its work runs.

1. *kernel*: 30 int4 layers of the model's largest shape, us per call, on the main thread
   alone, then with another thread alive that once ran a 2-thread op, then after it ended;
2. *generation*: the packaged model generating in a worker thread (as ``ChatModel.stream``
   does), prepared in a thread that ended (as the product does since
   ``core.device.own_thread``), with the main thread either holding an OpenMP team
   (one parallel op run there, as loading on the main thread left it before) or not, for
   fp32 and ``int4_decode``; each in a process of its own.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.common import RESULTS, ROOT, write_result  # noqa: E402


def kernel_us(layers, x, calls: int = 30) -> float:
    import torch

    with torch.inference_mode():
        for layer in layers:
            layer(x)
        start = time.perf_counter()
        for _ in range(calls):
            for layer in layers:
                layer(x)
    return 1e6 * (time.perf_counter() - start) / (calls * len(layers))


def kernel_part() -> dict:
    import torch

    from assistant.chat.quantize import Int4Linear

    torch.manual_seed(0)
    layers = [Int4Linear(torch.nn.Linear(576, 1536, bias=False)) for _ in range(30)]
    x = torch.randn(1, 576)

    def median_of_3() -> float:
        return round(statistics.median(kernel_us(layers, x) for _ in range(3)), 1)

    out = {"main_thread_alone_us": median_of_3()}
    stop = threading.Event()

    def hold_a_team() -> None:
        torch.randn(2_000_000).exp()  # one parallel op: this thread now has a team
        stop.wait()

    other = threading.Thread(target=hold_a_team)
    other.start()
    time.sleep(0.3)
    out["another_team_alive_us"] = median_of_3()
    stop.set()
    other.join()
    time.sleep(0.3)
    out["after_it_ended_us"] = median_of_3()
    return out


def generation_child(main_team: str, variant: str, new_tokens: int, repeats: int) -> dict:
    import torch

    from bench.generate import PROMPT, build_variant, measure
    from core.device import own_thread

    @own_thread
    def load():
        from assistant.chat.model import load_model
        from assistant.chat.prompt import build_messages
        from core.config import ModelConfig

        loaded = load_model(ModelConfig(name="smollm2"), progress=lambda s: None)
        ids = loaded.tokenizer.apply_chat_template(build_messages(PROMPT), add_generation_prompt=True,
                                                   return_tensors="pt", return_dict=True)["input_ids"]
        return ids, *build_variant(variant, loaded.model)[:2]

    ids, model, kwargs = load()
    if main_team == "team_on_main":
        torch.randn(2_000_000).exp()  # one parallel op on the main thread: it keeps a team from now on
    return own_thread(measure)(model, ids, new_tokens, repeats, **kwargs)  # a worker thread, as the app generates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(RESULTS / "omp_teams.json"))
    parser.add_argument("--child", nargs=2, metavar=("MAIN_TEAM", "VARIANT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(generation_child(*args.child, args.new_tokens, args.repeats)))
        return 0

    import os

    import torch

    kernel = kernel_part()
    print(f"int4 kernel: {kernel}", file=sys.stderr)
    generation: dict = {}
    for variant in ("fp32", "int4_decode"):
        for main_team in ("team_on_main", "no_team_on_main"):
            proc = subprocess.run([sys.executable, __file__, "--child", main_team, variant, "--new-tokens",
                                   str(args.new_tokens), "--repeats", str(args.repeats)],
                                  cwd=ROOT, capture_output=True, text=True, timeout=900)
            if proc.returncode != 0:
                raise RuntimeError(f"{variant}, {main_team}: {proc.stderr[-2000:]}")
            numbers = json.loads(proc.stdout.strip().splitlines()[-1])
            generation[f"{variant}, {main_team}"] = {
                "tokens_per_s": round(numbers["tokens_per_s"], 2), "ttft_s": round(numbers["ttft_s"], 3)}
            print(f"{variant:12s} {main_team:16s} {numbers['tokens_per_s']:5.1f} tok/s", file=sys.stderr)
    write_result(args.out, {
        "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
        "new_tokens": args.new_tokens, "repeats": args.repeats,
        "int4_kernel_us_per_call": kernel,
        "generation_in_a_worker_thread": generation,
        "ratios": {
            "kernel_slowdown_with_another_team": round(kernel["another_team_alive_us"]
                                                       / kernel["main_thread_alone_us"], 2),
            "int4_decode_no_team_on_main_vs_team_on_main": round(
                generation["int4_decode, no_team_on_main"]["tokens_per_s"]
                / generation["int4_decode, team_on_main"]["tokens_per_s"], 2),
            "fp32_no_team_on_main_vs_team_on_main": round(generation["fp32, no_team_on_main"]["tokens_per_s"]
                                                          / generation["fp32, team_on_main"]["tokens_per_s"], 2),
        },
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
