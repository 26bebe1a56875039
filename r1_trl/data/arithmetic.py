"""The embedded reasoning task: integer arithmetic posed in English or Chinese, in the seed's style.

`What is 2 + 3 * 4?` / `2 + 3 * 4 等於多少?`, gold `14`, with a worked chain `First, 3 * 4 = 12. Then 2 + 12 = 14.`
Train and test are disjoint by construction: an expression's split is a hash of its canonical text, so no seed,
size or difficulty setting can put the same problem in both.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

__all__ = [
    "CONNECTIVES",
    "JOINER",
    "Problem",
    "make_problems",
    "problem_split",
    "random_problem",
    "to_rows",
]

OPS = ("+", "-", "*", "/")
PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
QUESTIONS = {
    "en": ("What is {expr}?", "Compute {expr}."),
    "zh": ("{expr} 等於多少?", "計算 {expr}。"),
}
# The words that carry a chain of thought; the language-consistency reward counts exactly these.
CONNECTIVES = {
    "en": {
        "first": "First,",
        "then": "Then",
        "left": ", leaving",
        "answer": "The answer is",
        "stop": ".",
        "wait": "Wait,",
    },
    "zh": {"first": "首先", "then": "然後", "left": ",剩下", "answer": "答案是", "stop": "。", "wait": "等等,"},
}
JOINER = {"en": " ", "zh": ""}
MAX_FACTOR = 12  # products stay within the times table, which a ~1M-parameter model can learn in minutes
TEST_BUCKETS = 10  # one expression in ten is a test problem


@dataclass(frozen=True)
class Node:
    op: str | None
    value: int
    left: Node | None = None
    right: Node | None = None

    def render(self, parent_prec: int = 0, right_side: bool = False) -> str:
        if self.op is None:
            return str(self.value)
        prec = PRECEDENCE[self.op]
        # Parenthesise only where precedence or left-to-right order needs it, as a person would write it.
        text = f"{self.left.render(prec)} {self.op} {self.right.render(prec, right_side=True)}"
        needs = prec < parent_prec or (right_side and prec == parent_prec)
        return f"({text})" if needs else text

    def steps(self) -> list[tuple[int, str, int, int]]:
        """(a, op, b, result) in evaluation order."""
        if self.op is None:
            return []
        return self.left.steps() + self.right.steps() + [(self.left.value, self.op, self.right.value, self.value)]

    def states(self) -> list[Node]:
        """The tree after each of `steps`, one operation replaced by its value; the last state is a leaf."""
        if self.op is None:
            return []
        left, right = self.left.states(), self.right.states()
        leaf = Node(None, self.left.value)
        return (
            [Node(self.op, self.value, s, self.right) for s in left]
            + [Node(self.op, self.value, leaf, s) for s in right]
            + [Node(None, self.value)]
        )


def _apply(op: str, a: int, b: int) -> int | None:
    if op == "+":
        return a + b
    if op == "-":
        return a - b if a >= b else None
    if op == "*":
        return a * b if a <= MAX_FACTOR and b <= MAX_FACTOR else None
    return a // b if b != 0 and a % b == 0 else None


def _tree(rng: random.Random, n_ops: int, max_operand: int, max_value: int) -> Node | None:
    if n_ops == 0:
        return Node(None, rng.randint(1, max_operand))
    n_left = rng.randint(0, n_ops - 1)
    left = _tree(rng, n_left, max_operand, max_value)
    right = _tree(rng, n_ops - 1 - n_left, max_operand, max_value)
    if left is None or right is None:
        return None
    op = rng.choice(OPS)
    value = _apply(op, left.value, right.value)
    # Negative, fractional and huge intermediates are rejected so every step stays small, whole and printable.
    if value is None or value > max_value:
        return None
    return Node(op, value, left, right)


@dataclass(frozen=True)
class Problem:
    expression: str
    answer: int
    steps: tuple[tuple[int, str, int, int], ...]
    difficulty: int
    # The expression rewritten after each step but the last; a chain that restates it lets the next step copy its
    # operands from the line just written instead of finding them in the question.
    remaining: tuple[str, ...] = ()

    def question(self, lang: str, variant: int = 0) -> str:
        forms = QUESTIONS[lang]
        return forms[variant % len(forms)].format(expr=self.expression)

    def chain(
        self,
        lang: str,
        connectives: dict[str, dict[str, str]] | None = None,
        mix: float = 0.0,
        rng: random.Random | None = None,
        revise: tuple[int, int] | None = None,
    ) -> str:
        """The worked solution as free text. With `mix` > 0, each connective is taken from the other language
        with that probability: the language drift R1-Zero is known for. `revise=(step, wrong)` first writes that
        step with the wrong result, then rechecks it (`Then 3 * 4 = 13. Wait, 3 * 4 = 12.`): the self-correction
        that a base model has seen, rarely, and RL can keep."""
        other = "zh" if lang == "en" else "en"
        table = connectives or CONNECTIVES

        def word(key: str) -> str:
            pick = other if mix > 0 and rng is not None and rng.random() < mix else lang
            return table[pick][key]

        sentences = []
        for i, (a, op, b, r) in enumerate(self.steps):
            eq = f"{a} {op} {b} = {r}"
            if i < len(self.remaining):
                eq += f"{word('left')} {self.remaining[i]}"
            opener = (word("first") if i == 0 else word("then")) if len(self.steps) > 1 else ""
            if revise is not None and revise[0] == i:
                sentences.append(f"{opener} {a} {op} {b} = {revise[1]}".lstrip() + table[lang]["stop"])
                opener = word("wait")
            sentences.append(f"{opener} {eq}".lstrip() + table[lang]["stop"])
        return JOINER[lang].join(sentences)

    def conclusion(self, lang: str) -> str:
        c = CONNECTIVES[lang]
        return f"{c['answer']} {self.answer}{c['stop']}"

    def solution_text(self, lang: str, **chain_kwargs) -> str:
        """Chain plus conclusion: `First, 3 * 4 = 12. Then 2 + 12 = 14. The answer is 14.`"""
        return self.chain(lang, **chain_kwargs) + JOINER[lang] + self.conclusion(lang)


def problem_split(expression: str) -> str:
    digest = hashlib.sha256(expression.encode()).digest()
    return "test" if digest[0] % TEST_BUCKETS == 0 else "train"


def random_problem(
    rng: random.Random, n_ops: int, max_operand: int = 20, max_value: int = 200, restate: bool = False
) -> Problem:
    """A random problem with `n_ops` operations; with `restate`, its chain restates what is left after each step."""
    while True:
        tree = _tree(rng, n_ops, max_operand, max_value)
        if tree is not None:
            remaining = tuple(s.render() for s in tree.states()[:-1]) if restate else ()
            return Problem(tree.render(), tree.value, tuple(tree.steps()), n_ops, remaining)


def make_problems(
    n: int,
    split: str,
    seed: int = 0,
    difficulties: tuple[int, ...] = (1, 2, 3, 4),
    max_operand: int = 20,
    max_value: int = 200,
) -> list[Problem]:
    """`n` distinct problems of `split`, deterministic for a given seed, evenly spread over `difficulties`.

    Raises when the space is too small to supply `n` distinct problems, rather than looping forever.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    rng = random.Random(f"{seed}-{split}")
    seen: set[str] = set()
    out: list[Problem] = []
    active = list(difficulties)
    misses = dict.fromkeys(difficulties, 0)
    while len(out) < n:
        if not active:
            raise ValueError(
                f"only {len(out)} distinct {split} problems exist for difficulties {difficulties} "
                f"and max_operand={max_operand}; ask for fewer or widen the ranges"
            )
        d = active[len(out) % len(active)]
        p = random_problem(rng, d, max_operand, max_value)
        if p.expression in seen or problem_split(p.expression) != split:
            misses[d] += 1
            # A difficulty whose space is used up stops being asked for; the others fill the rest.
            if misses[d] > 2_000:
                active.remove(d)
            continue
        misses[d] = 0
        seen.add(p.expression)
        out.append(p)
    # Generation cycles through the difficulties; shuffled, a row's position (which `to_rows` turns into its
    # language) says nothing about its difficulty.
    rng.shuffle(out)
    return out


def to_rows(problems: list[Problem], langs: tuple[str, ...] = ("en", "zh"), seed: int = 0) -> list[dict]:
    """Dataset rows with the columns every stage expects: prompt, solution, lang, difficulty."""
    rng = random.Random(seed)
    rows = []
    for i, p in enumerate(problems):
        lang = langs[i % len(langs)]
        rows.append(
            {
                "prompt": p.question(lang, rng.randrange(2)),
                "solution": str(p.answer),
                "lang": lang,
                "difficulty": p.difficulty,
            }
        )
    return rows
