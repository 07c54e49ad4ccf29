"""Benchmark feedpub against a yardstick and a naive baseline, and check its dates.

Usage::

    python benchmarks/run.py [--sizes 1000,10000,100000] [--seed 1] [--keep] [--postgres [URL]]

For each corpus size N it generates (or reuses) ``benchmarks/corpus/N-SEED``,
then times, each in its own wrapper process so that peak RSS is per step:

- reading and ``json.loads``-ing every record file (the yardstick);
- ``benchmarks/statfloor.py``: listing every folder and stat-ing every file, the
  floor of a no-change build;
- ``benchmarks/naive.py``;
- ``feedpub build``: cold, again with nothing changed, after one record's title
  changed, and after one record was added;

prints the ratios feedpub is held to, and counts the entries of every output
feed whose instant differs from what the generator meant (``expected.tsv``).
With ``--postgres``, the same size is then timed as a PostgreSQL source
(``pg_source.py``: cold, no change, one change, one delete).
The corpus is restored after the two edits; outputs are removed unless --keep.
"""

from __future__ import annotations

import argparse
import email.utils
import json
import os
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from generate import SITE_LINK, Expected, read_expected  # the sibling benchmarks/generate.py
from lxml import etree

__all__ = ["Check", "Step", "check_feeds", "main", "measure"]

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPUS_DIR = HERE / "corpus"
#: Passed to every build, so runs do not depend on the wall clock; all corpus dates precede it.
NOW = "2026-01-01T00:00:00Z"
LIMIT = 50
ATOM = "{http://www.w3.org/2005/Atom}"

# (label, numerator step, denominator step, target, what is compared)
TARGETS = (
    ("cold / read+json", "cold", "read+json", 1.5, "time"),
    ("feedpub RSS / naive RSS", "cold", "naive", 0.25, "rss"),
    ("no-change / cold", "no-change", "cold", 1 / 20, "time"),
    ("one-change / cold", "one-change", "cold", 1 / 10, "time"),
    ("one-new / cold", "one-new", "cold", 1 / 10, "time"),
)
STEP_LABELS = {
    "stat": "stat floor (scandir+stat)",
    "read+json": "read+json.loads",
    "naive": "naive.py",
    "cold": "feedpub cold build",
    "no-change": "feedpub no-change rebuild",
    "one-change": "feedpub one-change rebuild",
    "one-new": "feedpub one-new rebuild",
}

NEW_RECORD: dict[str, Any] = {
    "id": "benchmark-new-record",
    "url": f"{SITE_LINK}2025/12/benchmark-new-record",
    "title": "Rekor Baru dari Benchmark",
    "date_published": "2025-12-31T12:00:00+07:00",
    "authors": ["Redaksi Berita Contoh"],
    "categories": ["Ekonomi"],
    "content_text": "Rekor ini ditambahkan oleh benchmarks/run.py untuk mengukur build ulang.",
}
NEW_RECORD_PATH = "articles/2025/12/benchmark-new-record.json"
EDIT_SUFFIX = " (diperbarui)"


@dataclass(frozen=True)
class Step:
    """What one measured command did: exit code, wall time, peak RSS, CPU time and output."""

    returncode: int
    seconds: float
    peak_rss_kib: int
    stdout: str
    stderr: str
    #: user + system CPU seconds of the command and its children (worker processes): on a
    #: shared machine it moves far less than wall time does.
    cpu_seconds: float = 0.0

    @property
    def usable(self) -> bool:
        """True when the command ran to the end (exit 1 only reports bad records)."""
        return self.returncode in (0, 1)


def measure(command: Sequence[str], timeout: float, cwd: Path = REPO) -> Step:
    """Run *command* under a fresh wrapper process and return what it cost.

    The wrapper's ``RUSAGE_CHILDREN`` covers exactly the command (and its children),
    so steps do not inherit each other's peak RSS.
    """
    wrapper = [sys.executable, str(Path(__file__).resolve()), "_measure", str(timeout), "--"]
    done = subprocess.run(
        [*wrapper, *command], cwd=cwd, capture_output=True, text=True, errors="replace"
    )
    try:
        report = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return Step(-1, 0.0, 0, "", f"measuring wrapper failed:\n{done.stderr}")
    return Step(
        report["returncode"],
        report["seconds"],
        report["peak_rss_kib"],
        report["stdout"],
        report["stderr"],
        report.get("cpu_seconds", 0.0),
    )


def _measure_child(timeout: float, command: list[str]) -> int:
    """The wrapper: run *command*, print one JSON line with its cost."""
    start = time.perf_counter()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, errors="replace", timeout=timeout
        )
        returncode, stdout, stderr = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired:
        returncode, stdout, stderr = -1, "", f"timed out after {timeout:g}s"
    except OSError as error:
        returncode, stdout, stderr = 127, "", f"cannot run {command[0]}: {error}"
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = usage.ru_maxrss
    if sys.platform == "darwin":
        peak //= 1024  # bytes there, KiB on Linux
    report = {
        "returncode": returncode,
        "seconds": seconds,
        "peak_rss_kib": peak,
        "stdout": stdout[-20000:],
        "stderr": stderr[-20000:],
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
    }
    print(json.dumps(report))
    return 0


def _yardstick(articles: Path) -> int:
    """Read and json.loads every record file, keeping nothing: the floor for a cold build."""
    count = 0
    for folder, _, names in os.walk(articles):
        for name in names:
            if name.endswith(".json"):
                with open(os.path.join(folder, name), "rb") as stream:
                    json.loads(stream.read())
                count += 1
            elif name.endswith(".jsonl"):
                with open(os.path.join(folder, name), "rb") as stream:
                    for line in stream:
                        if line.strip():
                            json.loads(line)
                count += 1
    print(f"{count} files")
    return 0


@dataclass
class Check:
    """How the entries of a set of output feeds compare with the generator's intent."""

    files: int = 0
    entries: int = 0
    wrong: int = 0
    unknown: int = 0
    drafts: int = 0
    wrong_records: set[str] = field(default_factory=set)
    examples: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    #: per main feed file: does it hold the LIMIT newest published records?
    main_newest: dict[str, bool] = field(default_factory=dict)
    #: url -> title, as the main RSS feed shows it
    main_titles: dict[str, str] = field(default_factory=dict)


class _Entry(NamedTuple):
    link: str | None
    id: str | None
    title: str | None
    date: str | None
    date_kind: str  # "rfc822" or "rfc3339"


def _entries(root: etree._Element) -> Iterator[_Entry]:
    """Yield every entry of an RSS or Atom feed; nothing for other XML."""
    if root.tag == "rss":
        for item in root.iterfind("channel/item"):
            yield _Entry(
                item.findtext("link"),
                item.findtext("guid"),
                item.findtext("title"),
                item.findtext("pubDate"),
                "rfc822",
            )
    elif root.tag == f"{ATOM}feed":
        for entry in root.iterfind(f"{ATOM}entry"):
            link = None
            for candidate in entry.iterfind(f"{ATOM}link"):
                if candidate.get("rel", "alternate") == "alternate":
                    link = candidate.get("href")
                    break
            # An entry without <published> is dated by <updated>, as feed readers do.
            date = entry.findtext(f"{ATOM}published") or entry.findtext(f"{ATOM}updated")
            yield _Entry(
                link,
                entry.findtext(f"{ATOM}id"),
                entry.findtext(f"{ATOM}title"),
                date,
                "rfc3339",
            )


def _instant(text: str | None, kind: str) -> datetime | None:
    if not text:
        return None
    try:
        if kind == "rfc822":
            parsed = email.utils.parsedate_to_datetime(text.strip())
        else:
            parsed = datetime.fromisoformat(text.strip())
    except (TypeError, ValueError):
        return None
    # RFC 5322's "-0000" reads back naive: it still means UTC.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_feeds(out: Path, expected: dict[str, Expected]) -> Check:
    """Compare every entry of every feed under *out* with *expected* (keyed by url)."""
    by_id = {row.id: row for row in expected.values()}
    newest = sorted((row.published for row in expected.values() if not row.draft), reverse=True)
    check = Check()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    for path in sorted(out.rglob("*.xml")):
        relative = path.relative_to(out).as_posix()
        try:
            root = etree.parse(str(path), parser).getroot()
        except (OSError, etree.XMLSyntaxError) as error:
            check.unreadable.append(f"{relative}: {error}")
            continue
        check.files += 1
        meant: list[datetime] = []
        for entry in _entries(root):
            check.entries += 1
            row = expected.get(entry.link or "") or by_id.get(entry.id or "")
            if row is None:
                check.unknown += 1
                continue
            meant.append(row.published)
            if row.draft:
                check.drafts += 1
            if relative == "rss.xml":
                check.main_titles[row.url] = entry.title or ""
            got = _instant(entry.date, entry.date_kind)
            if got != row.published:
                check.wrong += 1
                check.wrong_records.add(row.url)
                if len(check.examples) < 5:
                    shown = _utc(got) if got else repr(entry.date)
                    check.examples.append(
                        f"{relative}: {row.id}: got {shown}, meant {_utc(row.published)} "
                        f"({row.form} {row.date_published!r})"
                    )
        if relative in ("rss.xml", "atom.xml"):
            check.main_newest[relative] = sorted(meant, reverse=True) == newest[:LIMIT]
    return check


@dataclass
class _Edits:
    """The two corpus edits of the incremental steps, and how to undo them."""

    corpus: Path
    changed: Expected
    original: bytes = b""
    original_times: tuple[int, int] = (0, 0)
    made_folder: bool = False

    def change_one(self) -> None:
        path = self.corpus / self.changed.path
        self.original = path.read_bytes()
        info = path.stat()
        self.original_times = (info.st_atime_ns, info.st_mtime_ns)
        record = json.loads(self.original)
        record["title"] += EDIT_SUFFIX
        path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    def add_one(self) -> None:
        path = self.corpus / NEW_RECORD_PATH
        if not path.parent.exists():
            path.parent.mkdir(parents=True)
            self.made_folder = True
        path.write_text(json.dumps(NEW_RECORD, indent=2) + "\n", encoding="utf-8")

    def undo(self) -> None:
        if self.original:
            path = self.corpus / self.changed.path
            path.write_bytes(self.original)
            os.utime(path, ns=self.original_times)
        new = self.corpus / NEW_RECORD_PATH
        new.unlink(missing_ok=True)
        if self.made_folder:
            new.parent.rmdir()


def _newest_single_file(expected: dict[str, Expected]) -> Expected:
    # The newest article is in the main feed, so editing it must change published output.
    singles = [
        row
        for row in expected.values()
        if not row.draft
        and row.path.endswith(".json")
        and not row.path.startswith("articles/import/")
    ]
    return max(singles, key=lambda row: (row.published, row.url))


def _new_record_expected() -> Expected:
    return Expected(
        id=NEW_RECORD["id"],
        url=NEW_RECORD["url"],
        published=datetime.fromisoformat(NEW_RECORD["date_published"]).astimezone(UTC),
        offset="+07:00",
        form="rfc3339",
        draft=False,
        path=NEW_RECORD_PATH,
        date_published=NEW_RECORD["date_published"],
    )


def _tail(text: str, lines: int = 12) -> str:
    return "\n".join("    " + line for line in text.rstrip().splitlines()[-lines:])


def _ratio(steps: dict[str, Step], top: str, bottom: str, what: str) -> float | None:
    a, b = steps.get(top), steps.get(bottom)
    if a is None or b is None or not (a.usable and b.usable):
        return None
    if what == "rss":
        return a.peak_rss_kib / b.peak_rss_kib if b.peak_rss_kib else None
    if what == "cpu":
        return a.cpu_seconds / b.cpu_seconds if b.cpu_seconds else None
    return a.seconds / b.seconds if b.seconds else None


def _print_report(
    n: int,
    seed: int,
    steps: dict[str, Step],
    checks: dict[str, Check | None],
    changed: Expected,
) -> None:
    print(f"\n== N = {n}, seed {seed} ==")
    print(f"{'step':<28}{'time (s)':>10}{'CPU (s)':>10}{'peak RSS (MiB)':>16}  note")
    for key, label in STEP_LABELS.items():
        step = steps.get(key)
        if step is None:
            continue
        note = "" if step.returncode == 0 else f"exit {step.returncode}"
        print(
            f"{label:<28}{step.seconds:>10.2f}{step.cpu_seconds:>10.2f}"
            f"{step.peak_rss_kib / 1024:>16.1f}  {note}"
        )
    for key in ("naive", "cold"):
        step = steps.get(key)
        if step is not None and step.usable and step.stdout.strip():
            print(f"  {STEP_LABELS[key]} said: {step.stdout.strip().splitlines()[-1][:300]}")

    print(f"\n{'ratio':<28}{'value':>10}{'target':>12}  result  (by CPU time)")
    for label, top, bottom, target, what in TARGETS:
        value = _ratio(steps, top, bottom, what)
        by_cpu = _ratio(steps, top, bottom, "cpu") if what == "time" else None
        cpu_note = "" if by_cpu is None else f"  ({by_cpu:.2f})"
        if value is None:
            print(f"{label:<28}{'n/a':>10}{'<= ' + format(target, '.2f'):>12}  -")
        else:
            verdict = "PASS" if value <= target else "FAIL"
            print(
                f"{label:<28}{value:>10.2f}{'<= ' + format(target, '.2f'):>12}  {verdict}"
                + cpu_note
            )

    floor = _ratio(steps, "no-change", "stat", "time")
    if floor is not None:
        by_cpu = _ratio(steps, "no-change", "stat", "cpu") or 0.0
        print(f"{'no-change / stat floor':<28}{floor:>10.2f}{'(info)':>12}  ({by_cpu:.2f})")

    print(
        f"\n{'correctness':<12}{'feeds':>7}{'entries':>9}{'wrong':>8}{'records':>9}"
        f"{'unknown':>9}{'drafts':>8}  newest {LIMIT} in main feeds"
    )
    for name, check in checks.items():
        if check is None:
            print(f"{name:<12}  no output to check")
            continue
        newest = ", ".join(
            f"{feed} {'yes' if ok else 'NO'}" for feed, ok in check.main_newest.items()
        )
        print(
            f"{name:<12}{check.files:>7}{check.entries:>9}{check.wrong:>8}"
            f"{len(check.wrong_records):>9}{check.unknown:>9}{check.drafts:>8}  {newest or '-'}"
        )
    feedpub = checks.get("feedpub")
    if feedpub is not None:
        title = feedpub.main_titles.get(changed.url)
        edited = "yes" if title is not None and title.endswith(EDIT_SUFFIX) else "NO"
        added = "yes" if NEW_RECORD["url"] in feedpub.main_titles else "NO"
        print(f"feedpub: edited title in rss.xml: {edited}; added record in rss.xml: {added}")
    for name, check in checks.items():
        for line in (check.examples + check.unreadable) if check else []:
            print(f"  {name}: {line}")

    shown: dict[str, str] = {}  # stderr tail -> the step that printed it
    for key, label in STEP_LABELS.items():
        step = steps.get(key)
        if step is None or step.returncode == 0 or not step.stderr.strip():
            continue
        tail = _tail(step.stderr)
        if tail in shown:
            print(f"{label} exited {step.returncode}; same stderr as {shown[tail]}")
        else:
            print(f"\n{label} exited {step.returncode}; stderr tail:\n{tail}")
            shown[tail] = label


def run_size(n: int, seed: int, feedpub: list[str], keep: bool, timeout: float) -> None:
    """Benchmark one corpus size and print its tables."""
    corpus = CORPUS_DIR / f"{n}-{seed}"
    made = subprocess.run(
        [
            sys.executable,
            str(HERE / "generate.py"),
            str(n),
            "--seed",
            str(seed),
            "--out",
            str(corpus),
        ],
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        print(f"\n== N = {n}: cannot generate the corpus ==\n{_tail(made.stderr)}")
        return
    print(made.stdout.strip())
    expected = read_expected(corpus / "expected.tsv")
    articles, config = corpus / "articles", corpus / "feedpub.toml"
    work = Path(tempfile.mkdtemp(prefix=f"run-{n}-{seed}-", dir=CORPUS_DIR))
    feedpub_out, naive_out, state = work / "feedpub", work / "naive", work / "state"
    build = [
        *feedpub,
        "build",
        "--articles", str(articles),
        "--out", str(feedpub_out),
        "--config", str(config),
        "--state", str(state),
        "--now", NOW,
        "--json",
        "-q",
    ]  # fmt: skip
    steps: dict[str, Step] = {}
    yardstick = [sys.executable, str(Path(__file__).resolve()), "_yardstick", str(articles)]
    measure(yardstick, timeout)  # warm the page cache, so every step reads from memory
    steps["read+json"] = measure(yardstick, timeout)
    floor = [sys.executable, str(HERE / "statfloor.py"), str(articles), "--repeat", "1"]
    steps["stat"] = measure(floor, timeout)
    naive = [sys.executable, str(HERE / "naive.py"), "--articles", str(articles)]
    naive += ["--out", str(naive_out), "--config", str(config)]
    steps["naive"] = measure(naive, timeout)

    edits = _Edits(corpus, _newest_single_file(expected))
    try:
        steps["cold"] = measure(build, timeout)
        steps["no-change"] = measure(build, timeout)
        edits.change_one()
        steps["one-change"] = measure(build, timeout)
        edits.add_one()
        steps["one-new"] = measure(build, timeout)
    finally:
        edits.undo()

    after = dict(expected)
    after[NEW_RECORD["url"]] = _new_record_expected()
    checks: dict[str, Check | None] = {
        "feedpub": check_feeds(feedpub_out, after) if feedpub_out.is_dir() else None,
        "naive": check_feeds(naive_out, expected) if naive_out.is_dir() else None,
    }
    _print_report(n, seed, steps, checks, edits.changed)
    if keep:
        print(f"\noutputs kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a comma-separated list of counts: {text!r}"
        ) from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``run.py [--sizes 1000,10000,100000] [--seed 1] [--keep]``."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    # Internal modes, used by the runner on itself so each step has a process of its own.
    if args_list[:1] == ["_measure"] and args_list[2:3] == ["--"]:
        return _measure_child(float(args_list[1]), args_list[3:])
    if args_list[:1] == ["_yardstick"] and len(args_list) == 2:
        return _yardstick(Path(args_list[1]))

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=_sizes, default=[1000, 10000, 100000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the built feeds and state")
    parser.add_argument(
        "--feedpub",
        default=f"{shlex.quote(sys.executable)} -m feedpub",
        help="command that runs feedpub (default: this Python with -m feedpub)",
    )
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per step")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        nargs="?",
        const=os.environ.get("FEEDPUB_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"),
        help="also time a PostgreSQL source of each size there (see pg_source.py)",
    )
    args = parser.parse_args(args_list)
    for n in args.sizes:
        run_size(n, args.seed, shlex.split(args.feedpub), args.keep, args.timeout)
        if args.postgres:
            from pg_source import run_size as run_postgres  # needs psycopg and a server

            run_postgres(n, args.postgres, args.seed, 1500, False, args.timeout, False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
