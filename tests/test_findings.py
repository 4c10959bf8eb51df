"""FINDINGS.md interprets numbers; it never types them. Every number it quotes with two or more
decimals must be one that its report computed: in report.md (outside the FINDINGS text the
report embeds) or in summary.json, to the precision quoted."""

import re
from pathlib import Path

import pytest

RESULTS = Path(__file__).resolve().parent.parent / "experiments" / "results"
# .036, 0.2230, -0.0013, −.06: two or more decimals, not part of a longer token (a version, a date).
NUMBER = re.compile(r"(?<![\w.])[-+−]?\d*\.\d{2,}(?:e[-+]\d+)?(?![\d])")
ANY_NUMBER = re.compile(r"[-+−]?\d*\.\d+(?:e[-+]?\d+)?")


def quoted(text: str) -> list[tuple[str, float, int]]:
    """(as written, value, decimals) of each number with two or more decimals."""
    out = []
    for m in NUMBER.finditer(text):
        written = m.group().replace("−", "-")
        out.append((m.group(), float(written), len(written.split(".")[1].split("e")[0])))
    return out


def same(written: str, value: float, decimals: int, backing: float) -> bool:
    """Equal to the precision quoted: decimals, or significant digits for 6.02e-02."""
    if "e" in written:
        return f"{abs(backing):.{decimals}e}" == f"{abs(value):.{decimals}e}"
    return round(abs(backing), decimals) == round(abs(value), decimals)


def computed(folder: Path, findings: str) -> list[float]:
    report = (folder / "report.md").read_text(encoding="utf-8").replace(findings.strip(), "")
    summary = (folder / "summary.json").read_text(encoding="utf-8") if (folder / "summary.json").exists() else ""
    return [float(x.replace("−", "-")) for x in ANY_NUMBER.findall(report + "\n" + summary) if x not in ("-", "+", ".")]


def unbacked(folder: Path) -> list[str]:
    findings = (folder / "FINDINGS.md").read_text(encoding="utf-8")
    backing = computed(folder, findings)
    # The sign is often in the words ("falls by .032"): magnitudes are compared.
    return [written for written, value, decimals in quoted(findings)
            if not any(same(written, value, decimals, b) for b in backing)]


@pytest.mark.parametrize("folder", sorted(p.parent for p in RESULTS.glob("*/FINDINGS.md")), ids=lambda p: p.name)
def test_findings_quote_only_computed_numbers(folder):
    assert unbacked(folder) == []


def test_a_typed_number_is_caught(tmp_path):
    (tmp_path / "report.md").write_text("| cell | 0.4431 |\n")
    (tmp_path / "FINDINGS.md").write_text("The teacher scores .443, the student .583.\n")
    assert unbacked(tmp_path) == [".583"]
    (tmp_path / "report.md").write_text("| p | 6.02e-02 |\n")
    (tmp_path / "FINDINGS.md").write_text("p is 6.02e-02, not 6.03e-02.\n")
    assert unbacked(tmp_path) == ["6.03e-02"]
