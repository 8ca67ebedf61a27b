"""Property-based: the input loaders turn any text or bytes into a model or an InputError, nothing else."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from envmatrix.config import load_config
from envmatrix.declared import load_env_file, load_tfvars, parse_env_text
from envmatrix.errors import InputError
from envmatrix.spec import load_spec
from envmatrix.waivers import Waiver, load_waivers
from tests.conftest import SHIPPED

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
# ENVMATRIX_FUZZ_EXAMPLES=2000 for a deeper search; the default keeps the suite fast on 2 cores.
FUZZ = settings(max_examples=int(os.environ.get("ENVMATRIX_FUZZ_EXAMPLES", "60")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

# Text that looks like the real thing, so the fuzzer reaches past the first syntax error.
_TFVARS_WORDS = ["aws_region", "=", '"us-east-1"', "db_multi_az", "true", "[", "]", "{", "}", ",", "\n", " ",
                 '"', "#", "//", "/*", "*/", "<<EOF", "EOF", "${", "null", "1e999", "-1", "0x10", "\\", "\t"]
_ENV_WORDS = ["ENVIRONMENT", "=", "production", "DEBUG", "true", '"', "'", "#", " ", "\n", "export ", "\r",
              "DB_POOL_SIZE", "50", "-", "\x0b", "\u2028", "=\"a b\"", " # c", "\\"]
_YAML_WORDS = ["environments:", "\n", "  ", "- ", "dev:", "production:", "{", "}", "[", "]", "&a", "*a",
               "!!python/object", "!!binary", "---", "...", "? ", ": ",
               "null", "~", "1", "'", '"', "%YAML 1.2", "<<: *a", "\t"]


def _word_text(words: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(words) | st.text(max_size=8), max_size=40).map("".join)


def _blobs(words: list[str]) -> st.SearchStrategy[bytes]:
    return (
        st.binary(max_size=400)
        | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass"))
        | _word_text(words).map(lambda t: t.encode("utf-8", "surrogatepass"))
        | st.just(b"")
    )


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="envmatrix-fuzz-") as folder:
        yield Path(folder)


def _waivers(path: Path) -> list[Waiver]:
    return load_waivers(path, SHIPPED)


def _only_input_errors(loader: Callable[[Path], Any], path: Path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        loader(path)
    except InputError as exc:
        message = str(exc)
        assert str(path) in message.splitlines()[0]  # names the file up front
        assert "Traceback" not in message and len(message) < 600, message  # a message, not a dump


@FUZZ
@given(data=_blobs(_TFVARS_WORDS))
@example(data=b"aws_region = \"" + b"x" * 50 + b"\n")
@example(data=b"a = " + b"[" * 2000)
@example(data=b"\xff\xfe")
@example(data=(FIXTURES / "tfvars" / "production" / "terraform.tfvars").read_bytes()[:500])
def test_tfvars_loader_raises_only_input_errors(scratch: Path, data: bytes) -> None:
    _only_input_errors(load_tfvars, scratch / "terraform.tfvars", data)


@FUZZ
@given(data=_blobs(_ENV_WORDS))
@example(data=b"A=" + b"\"" * 3)
@example(data=b"\r\n\r\nENVIRONMENT=production\r")
@example(data=(FIXTURES / "env" / "production.env").read_bytes()[:400])
def test_env_loader_raises_only_input_errors(scratch: Path, data: bytes) -> None:
    _only_input_errors(load_env_file, scratch / "production.env", data)


@FUZZ
@given(text=_word_text(_ENV_WORDS) | st.text(max_size=200))
def test_parse_env_text_raises_only_input_errors(text: str) -> None:
    try:
        values, lines = parse_env_text(text, Path("fuzz.env"))
    except InputError:
        return
    assert set(values) == set(lines)
    assert all(isinstance(v, str) for v in values.values())


_SPEC_TEXT = (FIXTURES / "matrix.yaml").read_text()


@FUZZ
@given(data=_blobs(_YAML_WORDS)
       | st.tuples(st.integers(0, len(_SPEC_TEXT)), st.text(max_size=20)).map(
           lambda cut: (_SPEC_TEXT[: cut[0]] + cut[1]).encode("utf-8", "surrogatepass")))
@example(data=b"a: &a [*a, *a]\nb: *a\n")
@example(data=b"!!python/object/apply:os.system ['echo pwned']")
@example(data=b"environments: 3")
def test_spec_loader_raises_only_input_errors(scratch: Path, data: bytes) -> None:
    _only_input_errors(load_spec, scratch / "matrix.yaml", data)


@FUZZ
@given(edit=st.tuples(st.integers(0, 4000), st.integers(0, 40), st.text(max_size=30)))
def test_mutated_real_tfvars_raise_only_input_errors(scratch: Path, edit: tuple[int, int, str]) -> None:
    """A real tfvars file with one random splice: still a model or one InputError."""
    text = (FIXTURES / "tfvars" / "staging" / "terraform.tfvars").read_text()
    start, length, insert = edit
    start = min(start, len(text))
    mutated = text[:start] + insert + text[start + length:]
    _only_input_errors(load_tfvars, scratch / "terraform.tfvars", mutated.encode("utf-8", "surrogatepass"))


_WAIVER_WORDS = ["waivers:", "\n", "  - ", "check: ", "DB-BACKUP-RETENTION", "env: ", "production", "qa", "layer: ",
                 "reason: ", "owner: ", "expires: ", "2099-01-01", "next tuesday", "[", "]", "{", "}", "&a", "*a", "- "]
_TOML_WORDS = ["[paths]", "[aws]", "[environments.production]", "spec", "=", '"x"', "max_attempts", "3", "\n",
               "names", "{", "}", "[", "]", "'", '"""', "#", "base_url", "true", "1979-05-27"]


@FUZZ
@given(text=_word_text(_WAIVER_WORDS) | st.text(max_size=200))
def test_waiver_loader_raises_only_input_errors(scratch: Path, text: str) -> None:
    _only_input_errors(_waivers, scratch / "waivers.yaml", text.encode("utf-8", "replace"))


@FUZZ
@given(text=_word_text(_TOML_WORDS) | st.text(max_size=200))
def test_config_loader_raises_only_input_errors(scratch: Path, text: str) -> None:
    _only_input_errors(load_config, scratch / "envmatrix.toml", text.encode("utf-8", "replace"))


_DEEP_YAML, _DEEP_TOML, _NOT_UTF8 = b"[" * 5000, b"a = " + b"[" * 5000, b"\xff\xfe not text"


@pytest.mark.parametrize(
    ("loader", "name", "data"),
    [
        pytest.param(load_tfvars, "terraform.tfvars", b"a = " + b"[" * 5000, id="tfvars-deep"),
        pytest.param(load_tfvars, "terraform.tfvars", _NOT_UTF8, id="tfvars-not-utf8"),
        pytest.param(load_env_file, "production.env", _NOT_UTF8, id="env-not-utf8"),
        pytest.param(load_spec, "matrix.yaml", _NOT_UTF8, id="spec-not-utf8"),
        pytest.param(load_spec, "matrix.yaml", _DEEP_YAML, id="spec-deep"),
        pytest.param(_waivers, "waivers.yaml", _DEEP_YAML, id="waivers-deep"),
        pytest.param(_waivers, "waivers.yaml", _NOT_UTF8, id="waivers-not-utf8"),
        pytest.param(load_config, "envmatrix.toml", _DEEP_TOML, id="config-deep"),
        pytest.param(load_config, "envmatrix.toml", _NOT_UTF8, id="config-not-utf8"),
    ],
)
def test_pathological_input_is_an_input_error(
    tmp_path: Path, loader: Callable[[Path], Any], name: str, data: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError) as caught:
        loader(path)
    assert str(path) in str(caught.value)
