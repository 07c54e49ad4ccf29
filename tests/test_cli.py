"""The command line: setting layers, `feedpub config`, help examples, completion, first mistakes."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from feedpub.cli import EXAMPLES, main
from feedpub.config import KEYS
from tests.conftest import SAMPLE_ARTICLES, SAMPLE_CONFIG


def invoke(
    args: list[str], env: dict[str, str] | None = None, stdin: bytes | None = None
) -> Result:
    return CliRunner().invoke(main, args, env=env, input=stdin, prog_name="feedpub")


def config_json(args: tuple[str, ...] = (), env: dict[str, str] | None = None) -> Any:
    result = invoke(["config", "--json", *args], env=env)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# -- precedence -----------------------------------------------------------------------------


def test_each_layer_wins_over_the_next(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(site)
    (site / "feedpub.toml").write_text(
        (site / "feedpub.toml").read_text().replace("limit = 50", "limit = 30")
    )
    keys = config_json()["keys"]
    assert keys["limit"] == {"value": 30, "source": "file", "from": "feedpub.toml"}
    assert keys["dayfirst"]["source"] == "file"
    assert keys["feeds_url"]["source"] == "file"
    env = {"FEEDPUB_LIMIT": "20"}
    assert config_json(env=env)["keys"]["limit"] == {
        "value": 20,
        "source": "env",
        "from": "FEEDPUB_LIMIT",
    }
    flagged = config_json(
        (
            "--set",
            "limit=10",
        ),
        env=env,
    )["keys"]["limit"]
    assert flagged == {"value": 10, "source": "flag", "from": "--set"}
    (site / "feedpub.toml").write_text(
        (site / "feedpub.toml").read_text().replace("limit = 30\n", "")
    )
    assert config_json()["keys"]["limit"] == {"value": 50, "source": "default", "from": ""}


def test_flag_and_environment_reach_the_build(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(site)
    result = invoke(["build", "-q", "--set", "limit=3"], env={"FEEDPUB_LIMIT": "5"})
    assert result.exit_code == 0, result.stderr
    assert (site / "public" / "rss.xml").read_text().count("<item>") == 3
    result = invoke(["build", "-q"], env={"FEEDPUB_LIMIT": "5", "FEEDPUB_OUT": "elsewhere"})
    assert result.exit_code == 0, result.stderr
    assert (site / "elsewhere" / "rss.xml").read_text().count("<item>") == 5


def test_build_options_from_the_environment(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(site)
    env = {"FEEDPUB_OUT": "env-out", "FEEDPUB_STATE": "env-state", "FEEDPUB_JSON": "1"}
    result = invoke(["build"], env=env)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["feeds_written"] > 0
    assert (site / "env-out" / "atom.xml").is_file() and (site / "env-state").is_dir()
    # The flag wins over the variable.
    result = invoke(["build", "-q", "--out", "flag-out"], env={"FEEDPUB_OUT": "env-out2"})
    assert result.exit_code == 0
    assert (site / "flag-out" / "atom.xml").is_file() and not (site / "env-out2").exists()


def test_config_shows_options_with_their_source(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(site)
    document = config_json(
        ("--state", "st"), env={"FEEDPUB_OUT": "/srv/feeds", "FEEDPUB_WAIT": "9"}
    )
    options = document["options"]
    assert options["out"] == {"value": "/srv/feeds", "source": "env", "from": "FEEDPUB_OUT"}
    assert options["state"] == {"value": "st", "source": "flag", "from": "--state"}
    assert options["wait"] == {"value": 9.0, "source": "env", "from": "FEEDPUB_WAIT"}
    assert options["articles"] == {"value": "articles", "source": "default", "from": ""}
    assert document["config_file"]["source"] == "default"
    assert set(document["keys"]) == {key.name for key in KEYS}


def test_config_text_output(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(site)
    result = invoke(["config"], env={"FEEDPUB_LIMIT": "20"})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "config file: feedpub.toml (default)"
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    assert rows["limit"] == ["env", "20", "(FEEDPUB_LIMIT)"]
    assert rows["timezone"] == ["file", '"Asia/Jakarta"']
    assert rows["out"] == ["default", "public"]
    assert rows["feeds_url"] == ["file", '"https://altumnews.com/feeds/"']
    result = invoke(["config", "--out", "x y"])
    assert re.search(r"^out +flag +x y  \(--out\)$", result.stdout, re.M)


def test_config_masks_a_url_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("feedpub.toml").write_text(
        'title = "T"\ndescription = "D"\nlink = "https://user:hunter2@example.com/"\n'
    )
    result = invoke(["config"])
    assert result.exit_code == 0
    assert "hunter2" not in result.stdout and "user:***@example.com" in result.stdout
    assert "hunter2" not in json.dumps(config_json())


def test_same_settings_from_file_or_environment_same_fingerprint(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(site)
    base = config_json()["fingerprint"]
    assert config_json(env={"FEEDPUB_TIMEZONE": "Asia/Jakarta"})["fingerprint"] == base
    assert config_json(("--set", "limit=50"))["fingerprint"] == base
    assert config_json(env={"FEEDPUB_TIMEZONE": "Asia/Makassar"})["fingerprint"] != base


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--set", "limt=3"], {}, "feedpub: --set: limt: unknown key; did you mean 'limit'?"),
        (["--set", "limit"], {}, "feedpub: --set: limit: expected KEY=VALUE"),
        (["--set", "limit=lots"], {}, "feedpub: --set: limit: must be a whole number"),
        (["--set", "limit=0"], {}, "feedpub: --set: limit: must be at least 1"),
        ([], {"FEEDPUB_WAIT": "soon"}, "(env var: 'FEEDPUB_WAIT')"),
    ],
)
def test_bad_flag_or_variable_exits_2(
    site: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict[str, str], message: str
) -> None:
    monkeypatch.chdir(site)
    result = invoke(["build", *args], env=env)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (site / "public").exists()


def test_unknown_variable_is_a_warning_with_the_closest_name(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(site)
    result = invoke(["build", "-q"], env={"FEEDPUB_TIMEZON": "UTC"})
    assert result.exit_code == 0
    assert result.stderr == (
        "feedpub: warning: FEEDPUB_TIMEZON is not a feedpub setting, ignored; "
        "did you mean FEEDPUB_TIMEZONE?\n"
    )


# -- first mistakes -------------------------------------------------------------------------


def test_no_config_here_suggests_init(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for command in ("build", "check", "config"):
        result = invoke([command])
        assert result.exit_code == 2
        assert result.stderr == (
            "feedpub: feedpub.toml: config file not found "
            "(run `feedpub init` to create one, or pass --config FILE)\n"
        )
    result = invoke(["build", "--config", "site/feedpub.toml"])
    assert "run `feedpub init site` to create one" in result.stderr


def test_missing_articles_folder_suggests_init(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(site)
    (site / "articles").rename(site / "records")
    result = invoke(["build"])
    assert result.exit_code == 2
    assert "articles: articles folder not found (pass --articles DIR, or run `feedpub init`" in (
        result.stderr
    )


def test_empty_articles_folder_says_what_to_do(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(site)
    empty = site / "empty"
    empty.mkdir()
    for command in (["build", "--articles", "empty"], ["check", "--articles", "empty"]):
        result = invoke(command)
        assert result.exit_code == 0
        assert "empty: warning: no records here: add a .json file per article" in result.stderr
        assert "`feedpub init`" in result.stderr


def test_record_with_the_wrong_extension_is_named(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(site)
    (site / "articles" / "2024" / "draft.yaml").write_text("title: x\n")
    (site / "articles" / "story.JSON").write_text("{}")
    (site / "articles" / "photo.jpg").write_bytes(b"\xff\xd8")
    (site / "articles" / ".hidden.txt").write_text("x")
    for command in ("build", "check"):
        result = invoke([command])
        assert result.exit_code == 0, result.stderr
        lines = [line for line in result.stderr.splitlines() if "not read" in line]
        assert lines == [
            "articles/2024/draft.yaml: warning: not read: records are .json or .jsonl files",
            "articles/story.JSON: warning: not read: records are .json or .jsonl files; "
            "rename it to .json (the suffix is case-sensitive)",
        ]
    # Quiet and JSON runs skip the scan: their warnings are not shown.
    assert "not read" not in invoke(["build", "-q"]).stderr


# -- help, examples and completion ----------------------------------------------------------


def all_commands() -> list[str]:
    return ["", *main.commands]


@pytest.mark.parametrize("name", all_commands())
def test_help_ends_with_two_or_three_examples(name: str) -> None:
    assert 2 <= len(EXAMPLES[name]) <= 3, f"give `feedpub {name}` two or three examples"
    result = invoke([name, "--help"] if name else ["--help"])
    assert result.exit_code == 0
    tail = result.stdout.rstrip().splitlines()[-2 * len(EXAMPLES[name]) - 2 :]
    assert [line.strip() for line in tail[:2]] == ["Examples:", ""]
    assert [line.strip() for line in tail[2::2]] == [f"$ {c}" for c, _ in EXAMPLES[name]]


def run_example(command: str, cwd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run one example as a shell would: `VAR=value` prefixes, `< file`, `&&` and `cd`."""
    for part in command.split(" && "):
        words = shlex.split(part)
        if words[0] == "cd":
            cwd = cwd / words[1]
            continue
        env = {}
        while "=" in words[0]:
            name, _, value = words.pop(0).partition("=")
            env[name] = value
        stdin = None
        if "<" in words:
            at = words.index("<")
            stdin = (cwd / words[at + 1]).read_bytes()
            del words[at : at + 2]
        assert words[0] == "feedpub"
        monkeypatch.chdir(cwd)
        result = invoke(words[1:], env=env, stdin=stdin)
        assert result.exit_code == 0, (command, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def built_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample, built once (so the validate examples have feeds), for copies to use."""
    root = tmp_path_factory.mktemp("built") / "site"
    shutil.copytree(SAMPLE_ARTICLES, root / "articles")
    shutil.copy(SAMPLE_CONFIG, root / "feedpub.toml")
    assert invoke(["build", "-q", "--config", str(root / "feedpub.toml")]).exit_code == 0
    return root


@pytest.mark.parametrize(
    "example", [(name, c) for name in all_commands() for c, _ in EXAMPLES[name]], ids=str
)
def test_every_help_example_runs(
    built_sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, example: tuple[str, str]
) -> None:
    site = tmp_path / "site"
    shutil.copytree(built_sample, site)
    name, command = example
    if name == "init":
        site = site / "fresh"
        site.mkdir()
    if name == "serve":  # it listens until Ctrl-C: press it as soon as it is serving
        import feedpub.serve

        def ctrl_c(*args: object) -> None:
            raise KeyboardInterrupt

        monkeypatch.setattr(feedpub.serve, "serve_forever", ctrl_c)
    if name == "watch":  # it watches until SIGTERM: stopped after its first build
        import feedpub.watch

        monkeypatch.setattr(feedpub.watch.Watcher, "_loop", lambda self: self._build("start"))
    run_example(command, site, monkeypatch)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion_script(shell: str) -> None:
    result = invoke([], env={"_FEEDPUB_COMPLETE": f"{shell}_source"})
    assert result.exit_code == 0
    assert "_FEEDPUB_COMPLETE" in result.stdout


def test_completion_offers_commands_and_options() -> None:
    env = {"_FEEDPUB_COMPLETE": "bash_complete", "COMP_WORDS": "feedpub bu", "COMP_CWORD": "1"}
    assert invoke([], env=env).stdout.splitlines() == ["plain,build"]
    env.update(COMP_WORDS="feedpub build --wa", COMP_CWORD="2")
    assert invoke([], env=env).stdout.splitlines() == ["plain,--wait"]


def test_every_build_option_has_an_environment_name_in_help_and_readme() -> None:
    from feedpub.cli.building import build_command

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    help_text = " ".join(invoke(["build", "--help"]).stdout.split())
    for param in build_command.params:
        if param.name in ("sets", "help"):
            continue
        assert (
            param.envvar
            == "FEEDPUB_" + max(param.opts, key=len).lstrip("-").replace("-", "_").upper()
        ), param.name
        assert f"env var: {param.envvar}" in help_text
        assert f"`{param.envvar}`" in readme, f"document {param.envvar} in the README"


def test_config_and_articles_from_the_environment(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(site.parent)
    env = {"FEEDPUB_CONFIG": f"{site.name}/feedpub.toml", "FEEDPUB_ARTICLES": f"{site.name}/none"}
    result = invoke(["check"], env=env)
    assert result.exit_code == 2
    assert f"{site.name}/none: articles folder not found" in result.stderr
    del env["FEEDPUB_ARTICLES"]
    result = invoke(["check"], env=env)
    assert result.exit_code == 0
    assert result.stderr.endswith("16 records, 0 bad\n")
