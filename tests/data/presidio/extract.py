"""Extract the parametrized recognizer test cases from a Microsoft Presidio checkout.

    python tests/data/presidio/extract.py PATH [--rev REV] [--out FILE]

PATH is either a Presidio work tree (it holds ``presidio-analyzer/tests/``) or a bare git
directory, read with ``git show REV:path`` (REV defaults to HEAD). The test modules are
parsed with :mod:`ast`, never imported. Every ``@pytest.mark.parametrize`` list of a test
in the files below becomes one case per element:

    {"file", "test", "entity", "text", "expected_len", "expected": [[start, end], ...],
     "positions_complete", "params", "via", "line"}

``expected`` is Presidio's expected (start, end) positions, ``expected_len`` its expected
number of results; ``positions_complete`` is false where a case gives fewer positions than
results (Presidio's own loop then checks only the positions given). ``params`` keeps the
other literal parameters (scores, leniency, explanations) for reference; ``via`` says
which evaluator read the element, ``line`` where it is in the file. An element is
evaluated with :func:`ast.literal_eval`; where that fails, by the small evaluator below,
which knows only f-strings whose parts evaluate, ``+`` on strings/tuples, ``str * int``
and ``pytest.param(...)`` without marks. Anything else (a helper call, a variable) is
skipped, counted per file and listed with its reason. The summary goes to stdout.
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
from pathlib import Path

TESTS = "presidio-analyzer/tests"
# Test file -> the Seula entity type it is about.
FILES = {
    "test_email_recognizer.py": "EMAIL_ADDRESS",
    "test_url_recognizer.py": "URL",
    "test_ip_recognizer.py": "IP_ADDRESS",
    "test_credit_card_recognizer.py": "CREDIT_CARD",
    "test_iban_recognizer.py": "IBAN_CODE",
    "test_fi_personal_identity_code_recognizer.py": "FI_PERSONAL_IDENTITY_CODE",
    "test_phone_recognizer.py": "PHONE_NUMBER",
}
# Presidio entity names -> Seula's.
ENTITY_NAMES = {"US_PHONE_NUMBER": "PHONE_NUMBER", "INTERNATIONAL_PHONE_NUMBER": "PHONE_NUMBER"}
TEXT_ARGS = ("text", "iban")
LEN_ARGS = ("expected_len",)
POSITION_ARGS = ("expected_positions", "expected_res")
ENTITY_ARGS = ("entities",)


class Unevaluable(Exception):
    """An expression outside what this extractor evaluates."""


def evaluate(node: ast.expr) -> object:
    """``ast.literal_eval``, then the few constructs Presidio's parametrize lists use."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    if isinstance(node, ast.JoinedStr):  # f"...": literal parts, and {expr} of evaluable exprs
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
            elif isinstance(value, ast.FormattedValue) and value.format_spec is None and value.conversion == -1:
                parts.append(str(evaluate(value.value)))
            else:
                raise Unevaluable(f"f-string part {ast.unparse(value)!r}")
        return "".join(parts)
    if isinstance(node, (ast.Tuple, ast.List)):
        items = [evaluate(e) for e in node.elts]
        return tuple(items) if isinstance(node, ast.Tuple) else items
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = evaluate(node.left), evaluate(node.right)
        if type(left) is type(right) and isinstance(left, (str, tuple, list)):
            return left + right
        raise Unevaluable(f"'+' on {type(left).__name__} and {type(right).__name__}")
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        left, right = evaluate(node.left), evaluate(node.right)
        if isinstance(left, str) and isinstance(right, int):
            return left * right
        raise Unevaluable(f"'*' on {type(left).__name__} and {type(right).__name__}")
    if (
        isinstance(node, ast.Call)
        and ast.unparse(node.func) == "pytest.param"
        and not node.keywords
        and not any(isinstance(a, ast.Starred) for a in node.args)
    ):
        return tuple(evaluate(a) for a in node.args)
    raise Unevaluable(f"{type(node).__name__}: {ast.unparse(node)[:80]!r}")


def fixture_entities(tree: ast.Module) -> list[str] | None:
    """The list the module's ``entities`` fixture returns, if it returns a literal list."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "entities":
            for stmt in node.body:
                if isinstance(stmt, ast.Return) and stmt.value is not None:
                    return list(ast.literal_eval(stmt.value))
    return None


def parametrize_decorators(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in node.decorator_list:
                if isinstance(dec, ast.Call) and ast.unparse(dec.func) == "pytest.mark.parametrize":
                    yield node.name, dec


def pick(values: dict[str, object], names: tuple[str, ...], what: str) -> object:
    found = [n for n in names if n in values]
    if len(found) != 1:
        raise Unevaluable(f"no single {what} parameter among {sorted(values)}")
    return values[found[0]]


def extract_file(name: str, source: str) -> tuple[list[dict], list[dict]]:
    entity = FILES[name]
    tree = ast.parse(source, filename=name)
    declared = fixture_entities(tree)
    if declared is not None and {ENTITY_NAMES.get(e, e) for e in declared} != {entity}:
        raise SystemExit(f"{name}: entities fixture {declared} is not {entity}")
    cases, skipped = [], []
    for test, dec in parametrize_decorators(tree):
        argnames = ast.literal_eval(dec.args[0])
        argnames = [a.strip() for a in argnames.split(",")] if isinstance(argnames, str) else list(argnames)
        argvalues = dec.args[1] if len(dec.args) > 1 else next(k.value for k in dec.keywords if k.arg == "argvalues")
        if not isinstance(argvalues, (ast.List, ast.Tuple)):
            skipped.append({"file": name, "test": test, "line": argvalues.lineno,
                            "reason": f"argvalues is {type(argvalues).__name__}, not a literal list"})
            continue
        for element in argvalues.elts:
            try:
                try:
                    ast.literal_eval(element)
                    via = "literal_eval"
                except (ValueError, TypeError, SyntaxError):
                    via = "evaluator"
                row = evaluate(element)
                if not isinstance(row, (tuple, list)) or len(row) != len(argnames):
                    raise Unevaluable(f"row of {len(row) if isinstance(row, (tuple, list)) else '?'} values "
                                      f"for {len(argnames)} names")
                values = dict(zip(argnames, row))
                text = pick(values, TEXT_ARGS, "text")
                expected_len = pick(values, LEN_ARGS, "expected count")
                positions = pick(values, POSITION_ARGS, "positions")
                if not isinstance(text, str) or not isinstance(expected_len, int):
                    raise Unevaluable("text is not a string or count not an int")
                positions = [[int(s), int(e)] for s, e in positions]
                case_entities = [e for n in ENTITY_ARGS if n in values for e in values[n]]
                if case_entities and {ENTITY_NAMES.get(e, e) for e in case_entities} != {entity}:
                    raise Unevaluable(f"case entities {case_entities} are not {entity}")
            except (Unevaluable, StopIteration, TypeError, ValueError) as why:
                skipped.append({"file": name, "test": test, "line": element.lineno, "reason": str(why)})
                continue
            used = {n for n in TEXT_ARGS + LEN_ARGS + POSITION_ARGS + ENTITY_ARGS}
            cases.append({
                "file": name,
                "test": test,
                "line": element.lineno,
                "entity": entity,
                "text": text,
                "expected_len": expected_len,
                "expected": positions,
                "positions_complete": len(positions) == expected_len,
                "params": {k: v for k, v in values.items() if k not in used},
                "via": via,
            })
    return cases, skipped


def reader(path: Path, rev: str):
    """A function reading a repository-relative file, and the commit it reads from."""
    if (path / TESTS).is_dir():
        def read(rel: str) -> str:
            return (path / rel).read_text(encoding="utf-8")
        git = ["git", "-C", str(path)]
    else:
        git = ["git", f"--git-dir={path}"]

        def read(rel: str) -> str:
            return subprocess.run(git + ["show", f"{rev}:{rel}"], check=True, capture_output=True).stdout.decode()
    try:
        commit = subprocess.run(git + ["rev-parse", rev], check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return read, commit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("presidio", type=Path, help="Presidio work tree, or a bare git directory")
    parser.add_argument("--rev", default="HEAD", help="revision to read from a bare git directory (default HEAD)")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("cases.json"))
    args = parser.parse_args(argv)
    read, commit = reader(args.presidio, args.rev)
    all_cases, all_skipped = [], []
    print(f"Presidio commit {commit}")
    for name in FILES:
        cases, skipped = extract_file(name, read(f"{TESTS}/{name}"))
        all_cases += cases
        all_skipped += skipped
        partial = sum(not c["positions_complete"] for c in cases)
        own = sum(c["via"] == "evaluator" for c in cases)
        print(f"{name:48} extracted {len(cases):4} (own evaluator {own})  skipped {len(skipped):3}  "
              f"positions incomplete {partial}")
        for s in skipped:
            print(f"    skipped line {s['line']} ({s['test']}): {s['reason']}")
    lines = ",\n".join(json.dumps(c, ensure_ascii=False) for c in all_cases)  # one case a line
    args.out.write_text(f"[\n{lines}\n]\n", encoding="utf-8")
    print(f"{len(all_cases)} cases, {len(all_skipped)} skipped -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
