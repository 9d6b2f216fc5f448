"""Every shell command in README.md and docs/*.md runs, in order, and prints what the text shows.

The markup (docs/cli.md, "Commands in the docs"):
- a fenced block tagged `bash`, `sh`, `shell` or `console` holds commands; a line ending in `\\`
  continues on the next one; `#` starts a comment;
- in a `console` block a command starts with `$ `, and the lines after it (up to the next `$ `) are
  output it must print: each line must appear in the command's output (spacing aside; `...` stands for
  anything);
- `# -> TEXT` after a command: its output must contain TEXT;
- `norun` as the tag's second word (```` ```bash norun ````) shows commands without running them, for
  what a test cannot do (a network install, a Spark cluster, the full MIMIC release, an hour of work);
- a block without a tag holds no command (a diagram, a file tree, an error message);
- `file=NAME` as a block's second word (```` ```yaml file=ihm48.yaml ````) writes the block's text to
  NAME before the commands after it run, for the config and task files the text shows.

Each file's commands run in order, in a folder of their own beside `../shared/data` (the shared test
data), where `medlake.duckdb` (the default lake) is a copy of a lake holding the MIMIC-III and MIMIC-IV
demos and `demo-out/demo.duckdb` (what `make demo` writes) one of a synthetic MIMIC-III. `medlake` commands run in this
process (the same click entry point as the installed command); any other command runs in bash with the
environment's scripts (`meds_reader_convert`, ...) on its PATH.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

import medlake
from helpers import ROOT, copy_of_lake
from medlake.cli import main
from medlake.demo import Demo
from medlake.synth import synthesize

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_TAGS = {"bash", "sh", "shell", "console"}
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*(.*)$")
EXPECT = " # -> "
PREPARED = {"medlake.duckdb", "demo-out/demo.duckdb"}   # lakes a reader of the docs already has

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@dataclass
class Block:
    file: Path
    line: int                       # the fence's line, 1-based
    tag: str
    words: list[str]
    lines: list[tuple[int, str]]    # (line number, text)



@dataclass
class Command:
    block: Block
    line: int
    text: str
    expected: list[str] = field(default_factory=list)   # output lines (console) and `# ->` texts

    @property
    def where(self) -> str:
        return f"{_name(self.block.file)}:{self.line} (block at line {self.block.line}): `{self.text}`"


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a markdown file."""
    out, lines, i = [], path.read_text().splitlines(), 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, words = m.group(2), m.group(3).split()
        body, j = [], i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            body.append((j + 1, lines[j]))
            j += 1
        out.append(Block(path, i + 1, words[0].lower() if words else "", words[1:], body))
        i = j + 1
    return out


def _logical_lines(block: Block) -> list[tuple[int, str]]:
    """Lines with `\\` continuations joined, each with the number of its first line."""
    out, start, parts = [], None, []
    for number, text in block.lines:
        start = start or number
        if text.rstrip().endswith("\\"):
            parts.append(text.rstrip()[:-1])
            continue
        parts.append(text)
        out.append((start, " ".join(p.strip() for p in parts)))
        start, parts = None, []
    if parts:
        out.append((start, " ".join(p.strip() for p in parts)))
    return out


def commands(block: Block) -> list[Command]:
    """The commands of a shell block, with the output the text shows for each."""
    out: list[Command] = []
    console = block.tag == "console"
    for number, text in _logical_lines(block):
        stripped = text.strip()
        if console and not stripped.startswith("$"):
            if out and stripped:
                out[-1].expected.append(stripped)
            continue
        if console:
            stripped = stripped[1:].strip()
        if not stripped or stripped.startswith("#"):
            continue
        command, _, expected = stripped.partition(EXPECT)
        out.append(Command(block, number, command.strip(), [expected.strip()] if expected.strip() else []))
    return out


def shell_blocks(path: Path) -> list[Block]:
    return [b for b in blocks(path) if b.tag in SHELL_TAGS]


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def shows(output: str, expected: str) -> bool:
    """Whether an expected line is in the output, spacing aside, `...` standing for anything."""
    pieces = [_squeeze(p) for p in _squeeze(expected).split("...") if p.strip()]
    return any(re.search(".*".join(map(re.escape, pieces)), _squeeze(line)) for line in output.splitlines()) \
        if pieces else True


def _scripts_path() -> str:
    """PATH with this environment's scripts first (medlake, meds_reader_convert, ...)."""
    return f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


def _looks_like_a_command(text: str) -> bool:
    """Whether a line starts with a program: medlake, a path into a bin folder, or anything on PATH."""
    words = [w for w in text.strip().removeprefix("$ ").split() if "=" not in w or "/" in w.split("=")[0]]
    if not words:
        return False
    return words[0] == "medlake" or "/bin/" in words[0] or shutil.which(words[0], path=_scripts_path()) is not None


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_commands_are_in_shell_blocks(doc):
    """A command outside a tagged block would not run here: every command must be in one."""
    untagged = [f"{_name(doc)}:{number} (block at line {block.line}): `{text.strip()}`"
                for block in blocks(doc) if not block.tag
                for number, text in block.lines if _looks_like_a_command(text)]
    assert not untagged, ("commands in blocks without a tag (tag each block bash, or `bash norun` if it must not "
                          "run):\n" + "\n".join(untagged))


@pytest.fixture(scope="module")
def prepared_lake(demo_lake, tmp_path_factory) -> dict[str, Path]:
    """The lakes a reader already has, copied for each document: `medlake.duckdb` with the MIMIC-III and
    MIMIC-IV demos, and `demo-out/demo.duckdb` as `make demo` leaves it (a synthetic MIMIC-III)."""
    folder = tmp_path_factory.mktemp("docs-lake")
    synthesize(Demo.dataset, folder / "raw", patients=Demo.patients, seed=Demo.seed)   # what make demo writes
    demo = medlake.connect(folder / "demo.duckdb", read_only=False)
    demo.load("mimic3", folder / "raw")
    demo.close()
    return {"medlake.duckdb": Path(copy_of_lake(demo_lake, folder)), "demo-out/demo.duckdb": folder / "demo.duckdb"}


def _file_name(block: Block) -> str | None:
    return next((w.split("=", 1)[1] for w in block.words if w.startswith("file=")), None)


def steps(doc: Path) -> list[Block | Command]:
    """What running a document does, in order: files to write and commands to run."""
    out: list[Block | Command] = []
    for block in blocks(doc):
        if _file_name(block):
            out.append(block)
        elif block.tag in SHELL_TAGS and "norun" not in block.words:
            out.extend(commands(block))
    return out


def run(command: Command, work: Path) -> tuple[int, str]:
    """Exit code and output (stdout and stderr) of one command run in `work`."""
    argv = shlex.split(command.text, comments=True)
    if argv[0] != "medlake":
        done = subprocess.run(["bash", "-c", command.text], cwd=work, capture_output=True, text=True, timeout=900,
                              env={**os.environ, "PATH": _scripts_path()})
        return done.returncode, done.stdout + done.stderr
    result = CliRunner().invoke(main, argv[1:], catch_exceptions=True)
    output = result.output
    if result.exception and not isinstance(result.exception, SystemExit):
        output += f"\n{type(result.exception).__name__}: {result.exception}"
    return result.exit_code, output


def _lakes_needed(todo: list[Block | Command]) -> set[str]:
    """The prepared lakes a document opens: the default one, or one named by a command or a written file."""
    needed = set()
    for step in todo:
        if isinstance(step, Block):
            needed |= {n for n in PREPARED if any(n in text for _, text in step.lines)}
            continue
        argv = shlex.split(step.text, comments=True)
        needed |= {n for n in PREPARED if n in argv}
        if argv[0] == "medlake" and "--db" not in argv:
            needed.add("medlake.duckdb")
    return needed


def run_doc(doc: Path, work: Path, prepared_lake: dict[str, Path]) -> int:
    """Run a document's steps in `work` (the current folder); returns how many commands ran. An
    AssertionError names the file, line, block and command that failed."""
    todo = steps(doc)
    for name in _lakes_needed(todo):
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(prepared_lake[name], work / name)
    ran = 0
    for step in todo:
        if isinstance(step, Block):
            path = work / _file_name(step)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(text for _, text in step.lines) + "\n")
            continue
        code, output = run(step, work)
        assert code == 0, f"{step.where} exited {code}:\n{output[-3000:]}"
        for line in step.expected:
            assert shows(output, line), (
                f"{step.where} does not print what the text shows:\n  expected: {line}\n  output:\n{output[-3000:]}")
        ran += 1
    return ran


@pytest.fixture()
def workdir(data_dir, tmp_path, monkeypatch) -> Path:
    """An empty current folder beside ../shared/data, with no $MEDLAKE_DB."""
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "data").symlink_to(data_dir, target_is_directory=True)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("MEDLAKE_DB", raising=False)
    return work


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_command_in_the_docs_runs(doc, workdir, prepared_lake):
    if not any(isinstance(s, Command) for s in steps(doc)):
        pytest.skip(f"{_name(doc)} shows no command to run")
    run_doc(doc, workdir, prepared_lake)


def test_a_wrong_command_or_output_is_named(workdir, prepared_lake, tmp_path):
    doc = tmp_path / "guide.md"
    doc.write_text("""# A guide

```sql file=tasks/few.sql
/* medlake
name: few
label: {type: binary}
*/
SELECT subject_id AS sample_id, subject_id, NULL AS visit_id, birth_time AS index_time, 0 AS label FROM subjects
```

```console
$ medlake task run tasks/few.sql --dataset mimic3
... 100 samples, 100 subjects ...
$ medlake codes map ICD9CM CCSCM \\
    428.0   # -> 108
```

```bash norun
medlake nonsense
```
""")
    with pytest.raises(AssertionError) as failed:
        run_doc(doc, workdir, prepared_lake)
    # the file was written and the task ran; the lake has no code tables, so the map fails
    assert str(failed.value).startswith("guide.md:14 (block at line 11): `medlake codes map ICD9CM CCSCM 428.0` "
                                        "exited 2:")
    assert "error: no code systems in this lake" in str(failed.value)
    doc.write_text(doc.read_text().replace("100 samples", "99 samples"))
    with pytest.raises(AssertionError, match=r"guide.md:12 \(block at line 11\): `medlake task run tasks/few.sql "
                                             r"--dataset mimic3` does not print what the text shows:\s+expected: "
                                             r"\.\.\. 99 samples"):
        run_doc(doc, workdir, prepared_lake)
    assert [c.text for c in commands(blocks(doc)[2])] == ["medlake nonsense"] and steps(doc)[-1].expected == ["108"]
