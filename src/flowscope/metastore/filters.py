"""The filter language of `runs(where=...)` and `tasks(where=...)`: lexer, parser, typed AST.

Pure: text in, frozen values out; `QueryError` (with a caret line under the position) for
text that is not a filter. The SQL compiler is `filter_sql.py`.

    expr       := term ('or' term)*
    term       := factor ('and' factor)*
    factor     := 'not' factor | '(' expr ')' | comparison
    comparison := field ('=' | '!=' | '<' | '<=' | '>' | '>=') literal
                | field 'in' '(' literal (',' literal)* ')'
                | field 'contains' literal
    field      := NAME | NAME '.' NAME          status, user, params.alpha, data.score, ...
    literal    := NUMBER | STRING | 'true' | 'false' | 'null'

Keywords are case-insensitive; strings are quoted with ' or " (a backslash escapes the quote
or itself); numbers are decimal (`-3`, `0.5`, `1e-3`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TypeAlias

from flowscope.errors import QueryError

MAX_QUERY_LENGTH = 4000
"""Longest filter accepted, in characters (the service bounds its query parameter the same)."""
MAX_DEPTH = 50
"""Deepest nesting of parentheses and `not` accepted."""
MAX_COMPARISONS = 100
"""Most comparisons (counting each value of an `in` list) in one filter."""

Scalar: TypeAlias = bool | int | float | str | None
OPERATORS = ("=", "!=", "<", "<=", ">", ">=")
KEYWORDS = frozenset({"and", "or", "not", "in", "contains", "true", "false", "null"})


# ---- the AST ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Field:
    """`status` (name only) or `params.alpha` (a namespace and a name)."""

    name: str
    key: str | None = None

    def __str__(self) -> str:
        return self.name if self.key is None else f"{self.name}.{self.key}"


@dataclass(frozen=True, slots=True)
class Compare:
    field: Field
    op: str  # one of OPERATORS
    value: Scalar


@dataclass(frozen=True, slots=True)
class In:
    field: Field
    values: tuple[Scalar, ...]


@dataclass(frozen=True, slots=True)
class Contains:
    field: Field
    value: Scalar


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Expr, ...]  # two or more


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Expr, ...]  # two or more


Expr: TypeAlias = Compare | In | Contains | Not | And | Or


# ---- the lexer ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # name, number, string, op, punct, keyword, end
    text: str
    pos: int
    value: Scalar = None


_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<number>-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?![A-Za-z_0-9.])
      | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
      | (?P<op>!=|<=|>=|=|<|>)
      | (?P<punct>[().,])
      | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def _error(text: str, pos: int, message: str) -> QueryError:
    line = text.replace("\n", " ").replace("\t", " ")
    return QueryError(
        f"Invalid filter: {message} at position {pos + 1}:\n  {line}\n  {' ' * pos}^",
        position=pos,
    )


def _number(text: str, raw: str, pos: int) -> int | float:
    if re.fullmatch(r"-?\d+", raw):
        return int(raw)
    value = float(raw)
    if not math.isfinite(value):
        raise _error(text, pos, f"the number {raw} is out of range")
    return value


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            ch = text[pos]
            what = "a string without its closing quote" if ch in "'\"" else f"the character {ch!r}"
            raise _error(text, pos, f"cannot read {what}")
        kind, raw = match.lastgroup or "", match.group()
        if kind == "name" and raw.lower() in KEYWORDS:
            word = raw.lower()
            value: Scalar = {"true": True, "false": False}.get(word)
            tokens.append(Token("keyword", raw, pos, value))
        elif kind == "number":
            tokens.append(Token(kind, raw, pos, _number(text, raw, pos)))
        elif kind == "string":
            tokens.append(Token(kind, raw, pos, _ESCAPE.sub(r"\1", raw[1:-1])))
        elif kind != "space":
            tokens.append(Token(kind, raw, pos))
        pos = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# ---- the parser --------------------------------------------------------------------------
def _shown(token: Token) -> str:
    return "the end of the filter" if token.kind == "end" else repr(token.text)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.at = 0
        self.comparisons = 0

    def peek(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def fail(self, expected: str, token: Token | None = None) -> QueryError:
        token = token or self.peek()
        return _error(self.text, token.pos, f"expected {expected}, found {_shown(token)}")

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token.kind == "keyword" and token.text.lower() == word:
            self.at += 1
            return True
        return False

    def punct(self, ch: str) -> bool:
        token = self.peek()
        if token.kind == "punct" and token.text == ch:
            self.at += 1
            return True
        return False

    def parse(self) -> Expr:
        if not self.text.strip():
            raise self.fail("a comparison such as params.alpha > 0.1")
        expr = self.expr(0)
        if self.peek().kind != "end":
            raise self.fail("'and', 'or' or the end of the filter")
        return expr

    def expr(self, depth: int) -> Expr:
        items = [self.term(depth)]
        while self.keyword("or"):
            items.append(self.term(depth))
        return items[0] if len(items) == 1 else Or(tuple(items))

    def term(self, depth: int) -> Expr:
        items = [self.factor(depth)]
        while self.keyword("and"):
            items.append(self.factor(depth))
        return items[0] if len(items) == 1 else And(tuple(items))

    def factor(self, depth: int) -> Expr:
        if depth >= MAX_DEPTH:
            raise _error(self.text, self.peek().pos, f"nesting deeper than {MAX_DEPTH} levels")
        if self.keyword("not"):
            return Not(self.factor(depth + 1))
        if self.punct("("):
            inner = self.expr(depth + 1)
            if not self.punct(")"):
                raise self.fail("')' or 'and' or 'or'")
            return inner
        return self.comparison()

    def field(self) -> Field:
        token = self.take()
        if token.kind != "name":
            raise self.fail("a field name (status, user, tags, params.NAME, data.NAME, ...)", token)
        if not self.punct("."):
            return Field(token.text)
        key = self.take()
        if key.kind not in ("name", "keyword"):
            raise self.fail(f"a name after '{token.text}.'", key)
        return Field(token.text, key.text)

    def literal(self) -> Scalar:
        token = self.take()
        if token.kind in ("number", "string") or (
            token.kind == "keyword" and token.text.lower() in ("true", "false", "null")
        ):
            return token.value
        raise self.fail("a value (a number, a 'quoted string', true, false or null)", token)

    def count(self, n: int = 1) -> None:
        self.comparisons += n
        if self.comparisons > MAX_COMPARISONS:
            raise _error(
                self.text, self.peek().pos, f"more than {MAX_COMPARISONS} comparisons in a filter"
            )

    def comparison(self) -> Expr:
        field = self.field()
        token = self.peek()
        if token.kind == "op":
            self.at += 1
            self.count()
            return Compare(field, token.text, self.literal())
        if self.keyword("in"):
            if not self.punct("("):
                raise self.fail("'(' starting the list of values after 'in'")
            values = [self.literal()]
            while self.punct(","):
                values.append(self.literal())
            if not self.punct(")"):
                raise self.fail("',' or ')' in the list of values")
            self.count(len(values))
            return In(field, tuple(values))
        if self.keyword("contains"):
            self.count()
            return Contains(field, self.literal())
        raise self.fail(f"an operator (= != < <= > >= in contains) after '{field}'")


def parse(text: object) -> Expr:
    """The AST of a filter; QueryError pointing at the position for anything else."""
    if not isinstance(text, str):
        raise QueryError(f"A filter is a string, got {type(text).__name__}.")
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"The filter is {len(text)} characters long; at most {MAX_QUERY_LENGTH} are accepted."
        )
    return _Parser(text).parse()


# ---- back to text (for messages and round-trip tests) --------------------------------------
def render_value(value: Scalar) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def render(expr: Expr) -> str:
    """Filter text that parses back to `expr`."""
    if isinstance(expr, Compare):
        return f"{expr.field} {expr.op} {render_value(expr.value)}"
    if isinstance(expr, In):
        return f"{expr.field} in ({', '.join(render_value(v) for v in expr.values)})"
    if isinstance(expr, Contains):
        return f"{expr.field} contains {render_value(expr.value)}"
    if isinstance(expr, Not):
        return f"not ({render(expr.operand)})"
    joiner = " and " if isinstance(expr, And) else " or "
    return joiner.join(f"({render(e)})" for e in expr.operands)


def fields_of(expr: Expr) -> list[Field]:
    """Every field the filter names, in order of appearance."""
    if isinstance(expr, (Compare, In, Contains)):
        return [expr.field]
    if isinstance(expr, Not):
        return fields_of(expr.operand)
    return [f for e in expr.operands for f in fields_of(e)]
