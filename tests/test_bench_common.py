"""benchmarks/ as a package: the shared module (host detection, peers and ratios, expected
figures, results files), the bfloat16 plan of benchmarks/encode.py, and every benchmark
importable and runnable as `python -m benchmarks.NAME` without touching sys.path."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import common

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS = sorted(p.stem for p in (REPO / "benchmarks").glob("*.py")
                    if p.stem not in ("__init__", "common", "mlqa"))

EPYC_CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 9R14 96-Core Processor
flags\t\t: fpu vme sse sse2 avx avx2 avx512f avx512dq avx512_bf16 avx512_vnni
processor\t: 1
model name\t: AMD EPYC 9R14 96-Core Processor
flags\t\t: fpu vme sse sse2 avx avx2 avx512f avx512dq avx512_bf16 avx512_vnni
"""


@pytest.mark.parametrize("flags, native", [
    ({"avx512f", "avx512_bf16"}, True),             # AVX-512 BF16 (AMD Zen 4, Intel Cooper Lake)
    ({"avx512f", "amx_bf16", "amx_tile"}, True),    # AMX (Intel Sapphire Rapids)
    ({"avx512f", "avx512bw", "avx512_vnni"}, False),  # AVX-512 without BF16: emulated
    ({"avx", "avx2", "fma"}, False),                # no AVX-512 at all
    (set(), False),
])
def test_native_bf16_is_read_from_the_cpu_flags(flags, native):
    assert common.bf16_native(flags) is native
    assert common.bf16_native(sorted(flags)) is native  # any iterable of flags


def test_cpuinfo_is_parsed():
    assert common.cpu_flags(EPYC_CPUINFO) >= {"avx512f", "avx512_bf16"}
    assert common.bf16_native(common.cpu_flags(EPYC_CPUINFO))
    assert common.cpuinfo_field("model name", EPYC_CPUINFO) == "AMD EPYC 9R14 96-Core Processor"
    no_bf16 = EPYC_CPUINFO.replace(" avx512_bf16", "")
    assert not common.bf16_native(common.cpu_flags(no_bf16))
    assert common.cpu_flags("processor : 0\n") == set()  # no flags line (not x86)
    assert common.cpuinfo_field("model name", "") is None


def test_this_hosts_answer_agrees_with_torch():
    """The flags and torch's own check (clirbench's precision "auto") say the same here."""
    from clirbench.systems.encoder_stack import bf16_native

    if not common.cpu_flags():
        pytest.skip("no /proc/cpuinfo flags here")
    assert common.host_bf16_native() == bf16_native()


def test_encode_leaves_out_bfloat16_without_native_bf16():
    from benchmarks import encode

    plan = encode.host_plan(False)
    assert plan["sides"] and not any("bfloat16" in s for s in plan["sides"])
    assert {"st-float32", "clirbench-float32", "clirbench-int8", "clirbench-openvino-float32"} <= set(plan["sides"])
    assert (plan["default"], plan["peer"], plan["peaks"]) == ("clirbench-float32", "st-float32", ["float32"])
    assert plan["accuracy"][0] == "float32" and not any("bfloat16" in s for s in plan["accuracy"])
    native = encode.host_plan(True)
    assert native["sides"] == encode.SIDES and native["accuracy"] == list(encode.ACCURACY_SETTINGS)
    assert (native["default"], native["peer"], native["peaks"]) == ("clirbench-bfloat16", "st-bfloat16",
                                                                    ["float32", "bfloat16"])
    assert set(plan["sides"]) | {s for s in encode.SIDES if "bfloat16" in s} == set(encode.SIDES)


def test_ratios_are_against_the_peer_of_the_same_run(capsys):
    rows = {"peer": {"texts_per_s": 50.0}, "ours": {"texts_per_s": 75.0}}
    assert common.against_peer(rows, "peer") == 50.0
    assert rows["ours"]["vs_peer"] == 1.5 and rows["peer"]["vs_peer"] == 1.0
    common.print_table(rows, [("texts/s", 8, lambda r: f"{r['texts_per_s']:.1f}"),
                              ("vs peer", 8, lambda r: common.ratio(r["vs_peer"]))], width=6)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["side", "texts/s", "vs", "peer"]
    assert lines[2].split() == ["ours", "75.0", "1.50x"]
    missing = {"ours": {"texts_per_s": 75.0}}
    assert common.against_peer(missing, "peer") is None and missing["ours"]["vs_peer"] is None
    assert common.ratio(None) == "-"


def test_best_seconds_takes_the_best_run_after_the_warm_up():
    calls = []
    seconds, out = common.best_seconds(lambda: calls.append(1) or len(calls), repeats=3, warm_ups=2)
    assert len(calls) == 5 and out == 5 and 0 <= seconds < 1


@pytest.mark.parametrize("name", BENCHMARKS)
def test_every_benchmark_has_its_expected_figures(name):
    targets = common.expected(name)
    for target in targets:
        assert sum(bound in target for bound in ("at_least", "at_most", "below")) == 1
        assert target.get("says"), f"{name}: say what {target['figure']} means"


def test_expected_figures_are_checked(tmp_path, capsys):
    (tmp_path / "demo.yaml").write_text(
        "targets:\n"
        "  - {figure: default.vs_peer, at_least: 1.5, says: fast}\n"
        "  - {figure: lost, at_most: 0, required: true, says: nothing lost}\n"
        "  - {figure: cached.fraction, below: 0.05, says: cheap rerun}\n")
    figures = {"default": {"vs_peer": 1.2}, "lost": 0}
    assert common.check_expected("demo", figures, tmp_path)  # the one missed is not required
    out = capsys.readouterr().out
    assert "fast: default.vs_peer = 1.2 (at least 1.5): NOT met" in out
    assert "nothing lost: lost = 0 (at most 0): met" in out
    assert "cheap rerun: cached.fraction = - (below 0.05): not measured" in out
    assert [t["status"] for t in figures["targets"]] == ["NOT met", "met", "not measured"]
    assert not common.check_expected("demo", {"lost": 2}, tmp_path)  # a required one missed
    (tmp_path / "bad.yaml").write_text("targets:\n  - {figure: x, at_least: 1, at_most: 2}\n")
    with pytest.raises(ValueError, match="give one number as at_least, at_most or below"):
        common.expected("bad", tmp_path)
    (tmp_path / "typo.yaml").write_text("targets:\n  - {figure: x, atleast: 1}\n")
    with pytest.raises(ValueError, match="unknown keys \\['atleast'\\]"):
        common.expected("typo", tmp_path)


def test_results_are_written_atomically(tmp_path):
    common.write_json(tmp_path / "out" / "figures.json", {"a": 1})
    assert json.loads((tmp_path / "out" / "figures.json").read_text()) == {"a": 1}
    common.write_json(None, {"a": 1})  # no file asked for: nothing written


def test_no_benchmark_changes_sys_path():
    for path in (REPO / "benchmarks").glob("*.py"):
        assert "sys.path" not in path.read_text(), f"{path.name} changes sys.path: import from the package"


@pytest.mark.parametrize("name", BENCHMARKS)
def test_every_benchmark_runs_as_a_module(name):
    proc = subprocess.run([sys.executable, "-m", f"benchmarks.{name}", "--help"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage:")


def test_the_makefile_runs_them_as_modules():
    makefile = (REPO / "Makefile").read_text()
    assert "python benchmarks/" not in makefile
    for name in ("bm25", "encode", "precision_mix", "train_steps", "scale", "leaderboard_load"):
        assert f"-m benchmarks.{name}" in makefile
