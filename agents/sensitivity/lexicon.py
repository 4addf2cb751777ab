"""Load a lexicon directory: every rule validated, every problem reported as ``file:line``.

The lexicon's version is the hash of its content (file names, YAML and word lists), so the
same rules always carry the same version, every hit records it, and the compiled Hyperscan
database is cached under it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from agents.sensitivity.rules import (
    LexiconFile,
    Pattern,
    RiskNoticeRule,
    Rule,
    WordList,
)
from agents.validation import FileProblem, describe, summarize

DEFAULT_DIR = Path(__file__).resolve().parent / "lexicon" / "default"


LexiconProblem = FileProblem


class LexiconError(ValueError):
    """The lexicon cannot be used; ``problems`` says where and why."""

    def __init__(self, problems: list[LexiconProblem]) -> None:
        self.problems = problems
        super().__init__(summarize(problems, "lexicon problem(s)"))


@dataclass(frozen=True)
class Lexicon:
    """Validated rules of one lexicon version."""

    directory: Path
    version: str
    rules: tuple[Rule, ...]
    risk_notice: RiskNoticeRule | None
    sources: dict[str, str] = field(default_factory=dict)  # rule id → file:line

    def rule(self, rule_id: str) -> Rule:
        """A rule by id."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def content_version(directory: Path) -> str:
    """Hash of every file the lexicon is made of (names and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        if path.suffix in (".yaml", ".yml", ".txt"):
            digest.update(str(path.relative_to(directory)).encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()[:16]


def _words(path: Path) -> list[str]:
    words: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        term = line.split("#", 1)[0].strip()
        if term:
            words.append(term)
    return words


def _word_list_rule(wl: WordList, base: Path) -> Rule:
    path = (base / wl.file).resolve()
    words = _words(path)
    if not words:
        raise ValueError(f"word list {wl.file} is empty")
    return Rule(
        id=wl.id, category=wl.category, severity=wl.severity, weight=wl.weight,
        patterns=[Pattern(literal=w, regex=None, validator=None)
                  for w in dict.fromkeys(words)],
        applies_to=wl.applies_to, normalize=wl.normalize, citation=wl.citation,
        suggestion=wl.suggestion,
    )


def _node_items(node: yaml.Node, key: str) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == key and isinstance(v, yaml.SequenceNode):
                return list(v.value)
    return []


def _construct(node: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _validate_node(
    model: type[BaseModel], node: yaml.Node, path: Path, problems: list[LexiconProblem],
) -> Any:
    try:
        return model.model_validate(_construct(node))
    except ValidationError as exc:
        problems.append(LexiconProblem(path, node.start_mark.line + 1, describe(exc)))
        return None


def load_lexicon(directory: Path = DEFAULT_DIR) -> Lexicon:
    """Load and validate a lexicon directory, or raise :class:`LexiconError`."""
    problems: list[LexiconProblem] = []
    rules: list[Rule] = []
    sources: dict[str, str] = {}
    risk_notice: RiskNoticeRule | None = None
    files = sorted(p for p in directory.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))
    if not files:
        raise LexiconError([LexiconProblem(directory, 0, "no *.yaml rule files")])
    for path in files:
        try:
            root = yaml.compose(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problems.append(LexiconProblem(path, mark.line + 1 if mark else 0, str(exc)))
            continue
        if root is None:
            continue
        try:
            LexiconFile.model_validate({k: [] if k != "risk_notice" else None
                                        for k in _top_keys(root)})
        except ValidationError as exc:
            problems.append(LexiconProblem(path, 1, describe(exc)))
            continue
        for node in _node_items(root, "rules"):
            rule = _validate_node(Rule, node, path, problems)
            if rule is not None:
                rules.append(rule)
                sources[rule.id] = f"{path.name}:{node.start_mark.line + 1}"
        for node in _node_items(root, "word_lists"):
            wl = _validate_node(WordList, node, path, problems)
            if wl is None:
                continue
            try:
                rules.append(_word_list_rule(wl, path.parent))
                sources[wl.id] = f"{path.name}:{node.start_mark.line + 1}"
            except (OSError, ValueError, ValidationError) as exc:
                problems.append(LexiconProblem(path, node.start_mark.line + 1,
                                               f"word list {wl.file}: {exc}"))
        notice_node = _mapping_value(root, "risk_notice")
        if notice_node is not None:
            notice = _validate_node(RiskNoticeRule, notice_node, path, problems)
            if notice is not None:
                if risk_notice is not None:
                    problems.append(LexiconProblem(path, notice_node.start_mark.line + 1,
                                                   "a second risk_notice rule"))
                risk_notice = notice
                sources[notice.id] = f"{path.name}:{notice_node.start_mark.line + 1}"
    seen: dict[str, str] = {}
    for rule_id in [r.id for r in rules] + ([risk_notice.id] if risk_notice else []):
        if rule_id in seen:
            file, _, line = sources[rule_id].rpartition(":")
            problems.append(LexiconProblem(directory / file, int(line),
                                           f"rule id {rule_id} used twice"))
        seen[rule_id] = sources[rule_id]
    if problems:
        raise LexiconError(problems)
    return Lexicon(directory, content_version(directory), tuple(rules), risk_notice, sources)


def _top_keys(root: yaml.Node) -> list[str]:
    if not isinstance(root, yaml.MappingNode):
        return ["<not a mapping>"]
    return [str(k.value) for k, _ in root.value]


def _mapping_value(root: yaml.Node, key: str) -> yaml.Node | None:
    if isinstance(root, yaml.MappingNode):
        for k, v in root.value:
            if k.value == key:
                found: yaml.Node = v
                return found
    return None
