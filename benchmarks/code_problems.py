"""r1-trl's built-in stdin/stdout problems as written: statement, reference solution and test inputs. The expected
outputs are not written here: `build_code_problems.py` makes them by running each reference in the sandbox, and
writes the set `r1-trl eval --benchmark r1_code` reads (`r1_trl/evaluation/code_problems.jsonl`).

Each prompt states exact input and output formats, tie and ordering rules, and ends with a worked example.
"""


def _prompt(statement: str, example_input: str, example_output: str) -> str:
    return (
        f"{statement}\n\nRead from standard input and write to standard output.\n\n"
        f"Example input:\n{example_input}\nExample output:\n{example_output}"
    )


def _problem(pid: str, statement: str, example: tuple[str, str], solution: str, inputs: list[str]) -> dict:
    return {
        "id": pid,
        "prompt": _prompt(statement, example[0], example[1]),
        "solution": solution.lstrip("\n"),
        "inputs": inputs,
    }


PROBLEMS: list[dict] = [
    _problem(
        "sum_numbers",
        "Compute the sum of a list of integers.\n\n"
        "Input: the first line contains an integer n (0 <= n <= 1000). The second line contains n integers "
        "separated by single spaces, each between -10^9 and 10^9 (the second line is empty when n is 0).\n\n"
        "Output: print a single integer, the sum of the n integers.",
        ("3\n1 2 3\n", "6\n"),
        r"""
import sys

data = sys.stdin.read().split()
n = int(data[0])
print(sum(int(x) for x in data[1 : 1 + n]))
""",
        [
            "5\n1 2 3 4 5\n",
            "0\n\n",
            "1\n-7\n",
            "4\n1000000000 1000000000 -1 1000000000\n",
            "6\n-5 5 -5 5 -5 12\n",
        ],
    ),
    _problem(
        "reverse_words",
        "Reverse the order of the words on each line.\n\n"
        "Input: one or more lines (at most 100). Each line contains at least one word. A word is a maximal "
        "sequence of non-space characters; words may be separated by one or more spaces, and a line may have "
        "leading or trailing spaces.\n\n"
        "Output: for each input line, in order, print one line containing its words in reverse order, "
        "separated by single spaces.",
        ("hello world\nthe quick brown fox\n", "world hello\nfox brown quick the\n"),
        r"""
import sys

for line in sys.stdin.read().splitlines():
    print(" ".join(reversed(line.split())))
""",
        [
            "one\n",
            "a b c d e\n",
            "  leading and   multiple   spaces  \nx y\n",
            "The quick brown fox jumps over the lazy dog\nHello, World!\n42 is the answer\n",
            "a\nb c\nd e f\ng h i j\n",
        ],
    ),
    _problem(
        "fizzbuzz",
        "Play FizzBuzz.\n\n"
        "Input: a single integer n (1 <= n <= 1000).\n\n"
        "Output: n lines. Line i (for i = 1, 2, ..., n) is FizzBuzz if i is divisible by 15, Fizz if i is "
        "divisible by 3 but not by 5, Buzz if i is divisible by 5 but not by 3, and the number i itself otherwise.",
        ("5\n", "1\n2\nFizz\n4\nBuzz\n"),
        r"""
import sys

n = int(sys.stdin.read())
out = []
for i in range(1, n + 1):
    if i % 15 == 0:
        out.append("FizzBuzz")
    elif i % 3 == 0:
        out.append("Fizz")
    elif i % 5 == 0:
        out.append("Buzz")
    else:
        out.append(str(i))
print("\n".join(out))
""",
        ["1\n", "3\n", "5\n", "15\n", "31\n"],
    ),
    _problem(
        "count_vowels",
        "Count the vowels in a line of text.\n\n"
        "Input: a single line of at most 1000 ASCII characters (the line may be empty).\n\n"
        "Output: print one integer, the number of characters in the line that are vowels: a, e, i, o, u in "
        "either lowercase or uppercase. The letter y is not a vowel.",
        ("Hello World\n", "3\n"),
        r"""
import sys

line = sys.stdin.readline()
print(sum(1 for c in line if c in "aeiouAEIOU"))
""",
        [
            "\n",
            "Programming is fun\n",
            "AEIOU aeiou\n",
            "rhythm myths fly by\n",
            "The Quick Brown Fox Jumps Over The Lazy Dog 123!\n",
        ],
    ),
    _problem(
        "max_subarray",
        "Find the maximum sum of a non-empty contiguous subarray.\n\n"
        "Input: the first line contains an integer n (1 <= n <= 1000). The second line contains n integers "
        "a_1 ... a_n separated by single spaces, each between -10^6 and 10^6.\n\n"
        "Output: print one integer, the largest value of a_i + a_(i+1) + ... + a_j over all 1 <= i <= j <= n. "
        "The subarray must contain at least one element, so if all numbers are negative the answer is the "
        "largest of them.",
        ("9\n-2 1 -3 4 -1 2 1 -5 4\n", "6\n"),
        r"""
import sys

data = sys.stdin.read().split()
n = int(data[0])
a = [int(x) for x in data[1 : 1 + n]]
best = cur = a[0]
for x in a[1:]:
    cur = max(x, cur + x)
    best = max(best, cur)
print(best)
""",
        [
            "1\n5\n",
            "1\n-3\n",
            "5\n-2 -3 -1 -4 -6\n",
            "6\n3 -1 -1 10 -20 7\n",
            "8\n1 2 3 -100 4 5 -1 2\n",
        ],
    ),
    _problem(
        "gcd_lcm",
        "Compute the greatest common divisor and least common multiple of pairs of numbers.\n\n"
        "Input: the first line contains an integer T (1 <= T <= 100). Each of the next T lines contains two "
        "integers a and b (1 <= a, b <= 10^12) separated by a space.\n\n"
        "Output: T lines. For each pair, in input order, print gcd(a, b) and lcm(a, b) separated by a single space.",
        ("2\n4 6\n7 5\n", "2 12\n1 35\n"),
        r"""
import sys
from math import gcd

data = sys.stdin.read().split()
t = int(data[0])
out = []
for i in range(t):
    a, b = int(data[1 + 2 * i]), int(data[2 + 2 * i])
    g = gcd(a, b)
    out.append(f"{g} {a // g * b}")
print("\n".join(out))
""",
        [
            "1\n1 1\n",
            "3\n12 18\n17 19\n100 10\n",
            "2\n1000000000000 999999999999\n1000000000000 1000000000000\n",
            "4\n2 4\n6 9\n21 14\n1 999\n",
            "3\n13 13\n8 12\n1024 768\n",
        ],
    ),
    _problem(
        "primes_up_to",
        "List all prime numbers up to n.\n\n"
        "Input: a single integer n (0 <= n <= 2000).\n\n"
        "Output: print on one line all prime numbers p with 2 <= p <= n in increasing order, separated by single "
        "spaces. If there are none, print NONE.",
        ("20\n", "2 3 5 7 11 13 17 19\n"),
        r"""
import sys

n = int(sys.stdin.read())
if n < 2:
    print("NONE")
else:
    sieve = [True] * (n + 1)
    sieve[0] = sieve[1] = False
    for i in range(2, int(n**0.5) + 1):
        if sieve[i]:
            for j in range(i * i, n + 1, i):
                sieve[j] = False
    print(" ".join(str(i) for i in range(n + 1) if sieve[i]))
""",
        ["0\n", "1\n", "2\n", "97\n", "200\n"],
    ),
    _problem(
        "palindrome_lines",
        "Decide for each line whether it is a palindrome.\n\n"
        "Input: the first line contains an integer T (1 <= T <= 100). Each of the next T lines is a string of at "
        "most 200 printable ASCII characters (a line may be empty).\n\n"
        "Output: T lines. For each string, in input order, first remove every character that is not an English "
        "letter or a decimal digit and convert all letters to lowercase; print YES if the result reads the same "
        "forwards and backwards, otherwise print NO. A string with no letters or digits counts as a palindrome "
        "(YES).",
        ("3\nRacecar\nA man, a plan, a canal: Panama\nhello\n", "YES\nYES\nNO\n"),
        r"""
import sys

lines = sys.stdin.read().split("\n")
t = int(lines[0])
out = []
for i in range(1, t + 1):
    s = lines[i] if i < len(lines) else ""
    clean = [c.lower() for c in s if c.isascii() and c.isalnum()]
    out.append("YES" if clean == clean[::-1] else "NO")
print("\n".join(out))
""",
        [
            "1\na\n",
            "2\nab\naa\n",
            "4\nWas it a car or a cat I saw?\nNo lemon, no melon\n12321\n12 3 12\n",
            "3\n!!!\n\nxy\n",
            "3\nStep on no pets\nNever odd or even.\nabcdba\n",
        ],
    ),
    _problem(
        "matrix_transpose",
        "Transpose a matrix.\n\n"
        "Input: the first line contains two integers r and c (1 <= r, c <= 20). Each of the next r lines contains "
        "c integers separated by single spaces: the rows of the matrix.\n\n"
        "Output: print the transposed matrix: c lines, where line j contains the j-th column of the input matrix "
        "(r integers, from top to bottom) separated by single spaces.",
        ("2 3\n1 2 3\n4 5 6\n", "1 4\n2 5\n3 6\n"),
        r"""
import sys

data = sys.stdin.read().split()
r, c = int(data[0]), int(data[1])
vals = data[2 : 2 + r * c]
rows = [vals[i * c : (i + 1) * c] for i in range(r)]
print("\n".join(" ".join(row[j] for row in rows) for j in range(c)))
""",
        [
            "1 1\n7\n",
            "1 4\n1 2 3 4\n",
            "3 1\n5\n-6\n7\n",
            "3 3\n1 2 3\n4 5 6\n7 8 9\n",
            "2 5\n10 20 30 40 50\n-1 -2 -3 -4 -5\n",
        ],
    ),
    _problem(
        "balanced_brackets",
        "Check whether bracket sequences are balanced.\n\n"
        "Input: the first line contains an integer T (1 <= T <= 100). Each of the next T lines contains a "
        "non-empty string of at most 200 characters, each one of ( ) [ ] { }.\n\n"
        "Output: T lines. For each string, in input order, print YES if it is balanced, otherwise NO. A string is "
        "balanced if every opening bracket is closed by a closing bracket of the same type, brackets are closed "
        "in the reverse order in which they were opened, and no closing bracket appears without a matching "
        "opening bracket before it.",
        ("3\n([]{})\n([)]\n((\n", "YES\nNO\nNO\n"),
        r"""
import sys

lines = sys.stdin.read().split()
t = int(lines[0])
pairs = {")": "(", "]": "[", "}": "{"}
out = []
for s in lines[1 : 1 + t]:
    stack = []
    ok = True
    for ch in s:
        if ch in "([{":
            stack.append(ch)
        elif not stack or stack.pop() != pairs[ch]:
            ok = False
            break
    out.append("YES" if ok and not stack else "NO")
print("\n".join(out))
""",
        [
            "1\n()\n",
            "1\n)(\n",
            "4\n{[()()]}\n([)]\n[[[]]]\n{{{{\n",
            "3\n]\n(((([]))))\n{[}]\n",
            "5\n()[]{}\n(]\n([{}])\n((())\n{}}\n",
        ],
    ),
    _problem(
        "run_length_encoding",
        "Run-length encode a string.\n\n"
        "Input: a single line containing a non-empty string of at most 1000 lowercase English letters.\n\n"
        "Output: print one line: for each maximal run of equal consecutive letters, from left to right, the "
        "letter followed by the length of the run written in decimal (the length is always written, even when "
        "it is 1).",
        ("aaabccdddd\n", "a3b1c2d4\n"),
        r"""
import sys

s = sys.stdin.readline().strip()
out = []
i = 0
while i < len(s):
    j = i
    while j < len(s) and s[j] == s[i]:
        j += 1
    out.append(f"{s[i]}{j - i}")
    i = j
print("".join(out))
""",
        ["a\n", "abc\n", "zzzzzzzzzzzz\n", "aabbaa\n", "x" * 100 + "y\n"],
    ),
    _problem(
        "binary_conversion",
        "Convert numbers to binary.\n\n"
        "Input: the first line contains an integer T (1 <= T <= 100). Each of the next T lines contains one "
        "integer x (0 <= x <= 10^18).\n\n"
        "Output: T lines. For each x, in input order, print its binary representation without leading zeros "
        "(the number 0 is printed as 0).",
        ("3\n5\n0\n8\n", "101\n0\n1000\n"),
        r"""
import sys

data = sys.stdin.read().split()
t = int(data[0])
print("\n".join(format(int(x), "b") for x in data[1 : 1 + t]))
""",
        [
            "1\n0\n",
            "1\n1\n",
            "4\n2\n3\n255\n256\n",
            "2\n1000000000000000000\n1023\n",
            "5\n7\n8\n9\n10\n0\n",
        ],
    ),
    _problem(
        "sort_by_frequency",
        "Sort the distinct values of a list by how often they occur.\n\n"
        "Input: the first line contains an integer n (1 <= n <= 1000). The second line contains n integers "
        "separated by single spaces, each between -10^9 and 10^9.\n\n"
        "Output: one line per distinct value, containing the value and its number of occurrences separated by a "
        "single space. Order the lines by number of occurrences, largest first; values with the same number of "
        "occurrences are ordered by value, smallest first.",
        ("7\n4 6 4 2 6 4 9\n", "4 3\n6 2\n2 1\n9 1\n"),
        r"""
import sys
from collections import Counter

data = sys.stdin.read().split()
n = int(data[0])
counts = Counter(int(x) for x in data[1 : 1 + n])
items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
print("\n".join(f"{v} {c}" for v, c in items))
""",
        [
            "1\n5\n",
            "5\n3 1 2 1 3\n",
            "6\n-1 -1 -1 0 0 7\n",
            "8\n10 9 8 7 10 9 8 10\n",
            "5\n2 2 2 2 2\n",
        ],
    ),
    _problem(
        "two_sum",
        "Find two positions whose values add up to a target.\n\n"
        "Input: the first line contains two integers n and target (2 <= n <= 1000, -2*10^9 <= target <= 2*10^9). "
        "The second line contains n integers a_1 ... a_n separated by single spaces, each between -10^9 and "
        "10^9.\n\n"
        "Output: find 1-based indices i < j with a_i + a_j = target. If several pairs exist, choose the one with "
        "the smallest i, and among those the smallest j. Print i and j separated by a single space, or print -1 "
        "if no such pair exists.",
        ("4 9\n2 7 11 15\n", "1 2\n"),
        r"""
import sys
from bisect import bisect_right

data = sys.stdin.read().split()
n, target = int(data[0]), int(data[1])
a = [int(x) for x in data[2 : 2 + n]]
positions = {}
for idx, x in enumerate(a):
    positions.setdefault(x, []).append(idx)
answer = "-1"
for i, x in enumerate(a):
    lst = positions.get(target - x)
    if lst:
        k = bisect_right(lst, i)
        if k < len(lst):
            answer = f"{i + 1} {lst[k] + 1}"
            break
print(answer)
""",
        [
            "2 5\n2 3\n",
            "3 10\n1 2 3\n",
            "4 6\n1 2 4 5\n",
            "5 8\n4 4 4 4 4\n",
            "6 0\n5 -3 2 3 -5 0\n",
        ],
    ),
    _problem(
        "fibonacci_mod",
        "Compute Fibonacci numbers modulo m.\n\n"
        "The Fibonacci numbers are F(0) = 0, F(1) = 1 and F(k) = F(k-1) + F(k-2) for k >= 2.\n\n"
        "Input: the first line contains an integer T (1 <= T <= 100). Each of the next T lines contains two "
        "integers n and m (0 <= n <= 10^18, 1 <= m <= 10^9) separated by a space.\n\n"
        "Output: T lines. For each query, in input order, print F(n) mod m (a value between 0 and m-1).",
        ("3\n0 10\n10 100\n10 7\n", "0\n55\n6\n"),
        r"""
import sys


def fib(n, m):
    # Returns (F(n) mod m, F(n+1) mod m) by fast doubling.
    if n == 0:
        return 0, 1 % m
    a, b = fib(n >> 1, m)
    c = a * ((2 * b - a) % m) % m
    d = (a * a + b * b) % m
    if n & 1:
        return d, (c + d) % m
    return c, d


data = sys.stdin.read().split()
t = int(data[0])
out = []
for i in range(t):
    n, m = int(data[1 + 2 * i]), int(data[2 + 2 * i])
    out.append(str(fib(n, m)[0]))
print("\n".join(out))
""",
        [
            "1\n1 2\n",
            "2\n0 1\n5 1\n",
            "3\n50 1000000000\n90 1000000007\n2 3\n",
            "2\n1000000000000000000 1000000007\n123456789012345678 998244353\n",
            "4\n3 2\n4 5\n6 1000\n20 7\n",
        ],
    ),
    _problem(
        "word_count",
        "Count how often each word occurs in a text.\n\n"
        "Input: a text of at most 1000 ASCII characters spread over one or more lines. A word is a maximal "
        "sequence of English letters (A-Z, a-z); every other character separates words. Words are compared "
        "case-insensitively.\n\n"
        "Output: for each distinct word, one line with the word in lowercase and its number of occurrences, "
        "separated by a single space. Order the lines by number of occurrences, largest first; words with the "
        "same count are ordered alphabetically. If the text contains no words, print NONE.",
        ("The cat and the hat.\nThe END\n", "the 3\nand 1\ncat 1\nend 1\nhat 1\n"),
        r"""
import re
import sys
from collections import Counter

counts = Counter(w.lower() for w in re.findall(r"[A-Za-z]+", sys.stdin.read()))
if not counts:
    print("NONE")
else:
    for word, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(word, c)
""",
        [
            "\n",
            "Hello, hello; HELLO world!\n",
            "one two three two three three\n",
            "It's a dog-eat-dog world.\nDon't panic.\n",
            "42 apples and 7 oranges\nApples!\n",
        ],
    ),
    _problem(
        "caesar_cipher",
        "Apply a Caesar shift to a text.\n\n"
        "Input: the first line contains an integer k (-1000 <= k <= 1000). The second line contains a text of at "
        "most 500 printable ASCII characters with at least one non-space character.\n\n"
        "Output: print the text with every English letter shifted k positions forward in the alphabet (backward "
        "if k is negative), wrapping around (after z comes a), keeping uppercase letters uppercase and lowercase "
        "letters lowercase. All other characters are printed unchanged.",
        ("3\nHello, World! xyz\n", "Khoor, Zruog! abc\n"),
        r"""
import sys

lines = sys.stdin.read().split("\n")
k = int(lines[0])
text = lines[1]
out = []
for ch in text:
    if "a" <= ch <= "z":
        out.append(chr((ord(ch) - 97 + k) % 26 + 97))
    elif "A" <= ch <= "Z":
        out.append(chr((ord(ch) - 65 + k) % 26 + 65))
    else:
        out.append(ch)
print("".join(out))
""",
        [
            "0\nabc XYZ\n",
            "1\nzZ\n",
            "-1\nabc ABC\n",
            "26\nNo change 123!\n",
            "-1000\nThe quick brown fox.\n",
        ],
    ),
    _problem(
        "anagram_groups",
        "Group words that are anagrams of each other.\n\n"
        "Input: the first line contains an integer n (1 <= n <= 200). Each of the next n lines contains one word "
        "of 1 to 20 lowercase English letters; all words are distinct. Two words belong to the same group if "
        "one can be obtained by rearranging the letters of the other.\n\n"
        "Output: one line per group, containing the words of the group in alphabetical order separated by single "
        "spaces. Order the lines alphabetically by their first word.",
        ("6\neat\ntea\ntan\nate\nnat\nbat\n", "ate eat tea\nbat\nnat tan\n"),
        r"""
import sys

data = sys.stdin.read().split()
n = int(data[0])
groups = {}
for w in data[1 : 1 + n]:
    groups.setdefault("".join(sorted(w)), []).append(w)
lines = sorted(" ".join(sorted(g)) for g in groups.values())
print("\n".join(lines))
""",
        [
            "1\nabc\n",
            "3\nabc\nbca\ncab\n",
            "4\nzoo\nabc\ncba\nooz\n",
            "5\na\nb\nab\nba\naa\n",
            "6\nstop\npots\ntops\nspot\nopts\npost\n",
        ],
    ),
    _problem(
        "digit_sum",
        "Compute digit sums and digital roots of big numbers.\n\n"
        "Input: the first line contains an integer T (1 <= T <= 100). Each of the next T lines contains a "
        "non-negative integer with at most 200 digits and no leading zeros (zero is written as 0).\n\n"
        "Output: T lines. For each number, in input order, print two integers separated by a single space: the "
        "sum of its decimal digits, and its digital root. The digital root is obtained by repeatedly replacing "
        "the number with the sum of its digits until a single digit remains (the digital root of 0 is 0).",
        ("2\n1234\n99\n", "10 1\n18 9\n"),
        r"""
import sys

data = sys.stdin.read().split()
t = int(data[0])
out = []
for x in data[1 : 1 + t]:
    s = sum(int(ch) for ch in x)
    root = s
    while root >= 10:
        root = sum(int(ch) for ch in str(root))
    out.append(f"{s} {root}")
print("\n".join(out))
""",
        [
            "1\n0\n",
            "1\n9\n",
            "3\n18\n100\n999999999999\n",
            "2\n12345678901234567890123456789\n5\n",
            "4\n1\n10\n19\n" + "9" * 150 + "\n",
        ],
    ),
    _problem(
        "triangle_type",
        "Classify triangles by their side lengths.\n\n"
        "Input: the first line contains an integer T (1 <= T <= 100). Each of the next T lines contains three "
        "integers a, b, c (1 <= a, b, c <= 10^9) separated by single spaces.\n\n"
        "Output: T lines. For each triple, in input order, print invalid if the largest length is greater than or "
        "equal to the sum of the other two (no triangle with positive area exists). Otherwise print equilateral "
        "if all three lengths are equal, isosceles if exactly two are equal, and scalene if all are different.",
        ("4\n3 3 3\n3 4 5\n2 2 3\n1 2 3\n", "equilateral\nscalene\nisosceles\ninvalid\n"),
        r"""
import sys

data = sys.stdin.read().split()
t = int(data[0])
out = []
for i in range(t):
    a, b, c = sorted(int(x) for x in data[1 + 3 * i : 4 + 3 * i])
    if c >= a + b:
        out.append("invalid")
    elif a == c:
        out.append("equilateral")
    elif a == b or b == c:
        out.append("isosceles")
    else:
        out.append("scalene")
print("\n".join(out))
""",
        [
            "1\n1 1 1\n",
            "1\n1 1 2\n",
            "3\n5 5 9\n5 5 10\n10 5 5\n",
            "4\n1000000000 1000000000 1\n2 3 4\n7 10 3\n1 1 1000000000\n",
            "3\n6 8 10\n4 4 4\n2 3 2\n",
        ],
    ),
    _problem(
        "leap_years",
        "Decide which years are leap years in the Gregorian calendar.\n\n"
        "Input: the first line contains an integer T (1 <= T <= 100). Each of the next T lines contains one "
        "integer year y (1 <= y <= 9999).\n\n"
        "Output: T lines. For each year, in input order, print YES if it is a leap year and NO otherwise. A year "
        "is a leap year if it is divisible by 4, except years divisible by 100, which are leap years only if "
        "they are also divisible by 400.",
        ("4\n1900\n2000\n2024\n2023\n", "NO\nYES\nYES\nNO\n"),
        r"""
import sys

data = sys.stdin.read().split()
t = int(data[0])
out = []
for x in data[1 : 1 + t]:
    y = int(x)
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    out.append("YES" if leap else "NO")
print("\n".join(out))
""",
        [
            "1\n2000\n",
            "1\n1900\n",
            "3\n4\n100\n400\n",
            "5\n1600\n1700\n1996\n1999\n2400\n",
            "4\n1\n2100\n9996\n2020\n",
        ],
    ),
    _problem(
        "roman_numerals",
        "Convert integers to Roman numerals.\n\n"
        "Input: the first line contains an integer T (1 <= T <= 100). Each of the next T lines contains one "
        "integer x (1 <= x <= 3999).\n\n"
        "Output: T lines. For each x, in input order, print x in standard Roman numerals using the symbols "
        "I=1, V=5, X=10, L=50, C=100, D=500, M=1000 and the subtractive forms IV=4, IX=9, XL=40, XC=90, CD=400, "
        "CM=900 (for example 4 is IV, 9 is IX, 1994 is MCMXCIV).",
        ("3\n3\n58\n1994\n", "III\nLVIII\nMCMXCIV\n"),
        r"""
import sys

VALUES = [
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
]
data = sys.stdin.read().split()
t = int(data[0])
out = []
for x in data[1 : 1 + t]:
    n = int(x)
    parts = []
    for value, sym in VALUES:
        while n >= value:
            parts.append(sym)
            n -= value
    out.append("".join(parts))
print("\n".join(out))
""",
        [
            "1\n1\n",
            "1\n3999\n",
            "4\n4\n9\n14\n40\n",
            "5\n90\n400\n900\n1000\n2024\n",
            "3\n19\n49\n444\n",
        ],
    ),
    _problem(
        "longest_common_prefix",
        "Find the longest common prefix of a list of words.\n\n"
        "Input: the first line contains an integer n (1 <= n <= 100). Each of the next n lines contains one "
        "non-empty word of at most 100 lowercase English letters.\n\n"
        "Output: print the longest string that is a prefix of every word. If that string is empty, print a "
        "single hyphen: -",
        ("3\nflower\nflow\nflight\n", "fl\n"),
        r"""
import sys

data = sys.stdin.read().split()
n = int(data[0])
words = data[1 : 1 + n]
prefix = words[0]
for w in words[1:]:
    k = 0
    while k < len(prefix) and k < len(w) and prefix[k] == w[k]:
        k += 1
    prefix = prefix[:k]
print(prefix if prefix else "-")
""",
        [
            "1\nalone\n",
            "2\ndog\ncar\n",
            "3\ninterview\ninter\ninternet\n",
            "4\nabc\nabc\nabc\nabc\n",
            "3\nprefix\npre\nprefixes\n",
        ],
    ),
    _problem(
        "median",
        "Compute the median of a list of integers.\n\n"
        "Input: the first line contains an integer n (1 <= n <= 1000). The second line contains n integers "
        "separated by single spaces, each between -10^9 and 10^9.\n\n"
        "Output: print the median with exactly one digit after the decimal point. After sorting the numbers, "
        "the median is the middle element if n is odd, and the average of the two middle elements if n is even "
        "(for example 2.5, 3.0 or -3.5).",
        ("4\n1 3 2 4\n", "2.5\n"),
        r"""
import sys

data = sys.stdin.read().split()
n = int(data[0])
a = sorted(int(x) for x in data[1 : 1 + n])
total = 2 * a[n // 2] if n % 2 == 1 else a[n // 2 - 1] + a[n // 2]
sign = "-" if total < 0 else ""
total = abs(total)
print(f"{sign}{total // 2}.{5 if total % 2 else 0}")
""",
        [
            "1\n7\n",
            "2\n1 2\n",
            "5\n5 1 4 2 3\n",
            "4\n-5 -2 -3 -4\n",
            "6\n1000000000 -1000000000 0 0 1 1\n",
        ],
    ),
    _problem(
        "unique_sorted",
        "List the distinct values of a list in increasing order.\n\n"
        "Input: the first line contains an integer n (1 <= n <= 1000). The second line contains n integers "
        "separated by single spaces, each between -10^9 and 10^9.\n\n"
        "Output: print on one line every distinct value exactly once, in increasing numeric order, separated by "
        "single spaces.",
        ("6\n3 1 3 -2 1 10\n", "-2 1 3 10\n"),
        r"""
import sys

data = sys.stdin.read().split()
n = int(data[0])
print(" ".join(str(v) for v in sorted({int(x) for x in data[1 : 1 + n]})))
""",
        [
            "1\n0\n",
            "5\n5 5 5 5 5\n",
            "6\n10 9 100 9 1 10\n",
            "7\n-1 -10 2 -1 0 -10 20\n",
            "8\n8 7 6 5 4 3 2 1\n",
        ],
    ),
    _problem(
        "multiplication_table",
        "Print a multiplication table.\n\n"
        "Input: a single integer n (1 <= n <= 20).\n\n"
        "Output: n lines. Line i (for i = 1, ..., n) contains the n products i*1, i*2, ..., i*n separated by "
        "single spaces.",
        ("3\n", "1 2 3\n2 4 6\n3 6 9\n"),
        r"""
import sys

n = int(sys.stdin.read())
print("\n".join(" ".join(str(i * j) for j in range(1, n + 1)) for i in range(1, n + 1)))
""",
        ["1\n", "2\n", "5\n", "10\n", "12\n"],
    ),
    _problem(
        "second_largest",
        "Find the second largest distinct value.\n\n"
        "Input: the first line contains an integer n (1 <= n <= 1000). The second line contains n integers "
        "separated by single spaces, each between -10^9 and 10^9.\n\n"
        "Output: print the second largest distinct value, that is, the largest value that is strictly smaller "
        "than the maximum. If all values are equal (in particular when n is 1), print NONE.",
        ("5\n4 1 4 3 2\n", "3\n"),
        r"""
import sys

data = sys.stdin.read().split()
n = int(data[0])
values = sorted({int(x) for x in data[1 : 1 + n]})
print(values[-2] if len(values) >= 2 else "NONE")
""",
        [
            "1\n5\n",
            "3\n7 7 7\n",
            "2\n-1 -2\n",
            "6\n10 20 20 5 10 20\n",
            "5\n1 2 3 4 5\n",
        ],
    ),
    _problem(
        "pascal_row",
        "Print one row of Pascal's triangle.\n\n"
        "Input: a single integer k (0 <= k <= 60).\n\n"
        "Output: print row k of Pascal's triangle on one line: the k+1 binomial coefficients C(k, 0), C(k, 1), "
        "..., C(k, k), separated by single spaces. Row 0 is 1 and row 1 is 1 1.",
        ("4\n", "1 4 6 4 1\n"),
        r"""
import sys

k = int(sys.stdin.read())
row = [1]
for _ in range(k):
    row = [1] + [row[i] + row[i + 1] for i in range(len(row) - 1)] + [1]
print(" ".join(map(str, row)))
""",
        ["0\n", "1\n", "2\n", "10\n", "60\n"],
    ),
    _problem(
        "string_compression",
        "Compress a string, but only if that makes it shorter.\n\n"
        "Input: a single line containing a non-empty string of at most 1000 lowercase English letters.\n\n"
        "Output: build the compressed form by replacing every maximal run of two or more equal consecutive "
        "letters with the letter followed by the run length in decimal; single letters stay as they are. Print "
        "the compressed form if it is strictly shorter than the original string, otherwise print the original "
        "string.",
        ("aaabccdddd\n", "a3bc2d4\n"),
        r"""
import sys

s = sys.stdin.readline().strip()
parts = []
i = 0
while i < len(s):
    j = i
    while j < len(s) and s[j] == s[i]:
        j += 1
    parts.append(s[i] if j - i == 1 else f"{s[i]}{j - i}")
    i = j
compressed = "".join(parts)
print(compressed if len(compressed) < len(s) else s)
""",
        ["a\n", "aab\n", "aaab\n", "abcdef\n", "q" * 120 + "rs" + "t" * 9 + "\n"],
    ),
    _problem(
        "merge_intervals",
        "Merge overlapping intervals.\n\n"
        "Input: the first line contains an integer n (1 <= n <= 1000). Each of the next n lines contains two "
        "integers l and r (-10^9 <= l <= r <= 10^9) describing the closed interval [l, r].\n\n"
        "Output: merge all intervals that overlap or touch (share at least one point, so [1, 3] and [3, 5] merge "
        "into [1, 5], while [1, 2] and [3, 4] stay separate), repeating until no two remaining intervals "
        "overlap. Print the resulting intervals one per line as l and r separated by a single space, in "
        "increasing order of l.",
        ("4\n1 3\n2 6\n8 10\n10 12\n", "1 6\n8 12\n"),
        r"""
import sys

data = sys.stdin.read().split()
n = int(data[0])
intervals = sorted((int(data[1 + 2 * i]), int(data[2 + 2 * i])) for i in range(n))
merged = []
for lo, hi in intervals:
    if merged and lo <= merged[-1][1]:
        merged[-1][1] = max(merged[-1][1], hi)
    else:
        merged.append([lo, hi])
print("\n".join(f"{lo} {hi}" for lo, hi in merged))
""",
        [
            "1\n5 5\n",
            "2\n1 2\n3 4\n",
            "3\n1 10\n2 3\n4 5\n",
            "5\n5 7\n-3 -1\n0 0\n-1 0\n6 9\n",
            "4\n1 4\n4 4\n0 0\n2 3\n",
        ],
    ),
]


# One plausible wrong program per problem (off by one, a missing last line, a forgotten rule): the tests must catch
# each (tests/test_code_benchmark.py), or the problem would not tell a right program from a nearly right one.
WRONG = {
    # off by one: drops the last number
    "sum_numbers": """
import sys
data = sys.stdin.read().split()
n = int(data[0])
print(sum(int(x) for x in data[1:n]))
""",
    # splits on single spaces, so runs of spaces leak into the output
    "reverse_words": """
import sys
for line in sys.stdin.read().splitlines():
    print(" ".join(line.strip().split(" ")[::-1]))
""",
    # missing the last line
    "fizzbuzz": """
n = int(input())
for i in range(1, n):
    print("FizzBuzz" if i % 15 == 0 else "Fizz" if i % 3 == 0 else "Buzz" if i % 5 == 0 else i)
""",
    # only lowercase vowels
    "count_vowels": """
s = input()
print(sum(1 for c in s if c in "aeiou"))
""",
    # Kadane with best initialised to 0 (wrong for all-negative arrays)
    "max_subarray": """
n = int(input())
a = list(map(int, input().split()))
best = cur = 0
for x in a:
    cur = max(0, cur + x)
    best = max(best, cur)
print(best)
""",
    # lcm taken as the plain product
    "gcd_lcm": """
import sys
from math import gcd
data = sys.stdin.read().split()
t = int(data[0])
for i in range(t):
    a, b = int(data[1 + 2 * i]), int(data[2 + 2 * i])
    print(gcd(a, b), a * b)
""",
    # excludes n itself
    "primes_up_to": """
n = int(input())
ps = [p for p in range(2, n) if all(p % d for d in range(2, int(p ** 0.5) + 1))]
print(" ".join(map(str, ps)) if ps else "NONE")
""",
    # forgets to drop punctuation and spaces
    "palindrome_lines": """
import sys
lines = sys.stdin.read().split("\\n")
t = int(lines[0])
for i in range(1, t + 1):
    s = lines[i].lower()
    print("YES" if s == s[::-1] else "NO")
""",
    # prints the matrix unchanged
    "matrix_transpose": """
import sys
lines = sys.stdin.read().splitlines()
r, c = map(int, lines[0].split())
for line in lines[1 : 1 + r]:
    print(" ".join(line.split()))
""",
    # per-type counters instead of a stack
    "balanced_brackets": """
import sys
data = sys.stdin.read().split()
for s in data[1 : 1 + int(data[0])]:
    ok = True
    for o, c in ("()", "[]", "{}"):
        d = 0
        for ch in s:
            d += (ch == o) - (ch == c)
            if d < 0:
                ok = False
        ok = ok and d == 0
    print("YES" if ok else "NO")
""",
    # forgets to flush the last run
    "run_length_encoding": """
s = input().strip()
out = []
prev, cnt = s[0], 0
for ch in s:
    if ch == prev:
        cnt += 1
    else:
        out.append(prev + str(cnt))
        prev, cnt = ch, 1
print("".join(out))
""",
    # hand-rolled loop prints an empty line for 0
    "binary_conversion": """
import sys
data = sys.stdin.read().split()
for x in data[1 : 1 + int(data[0])]:
    v = int(x)
    bits = ""
    while v > 0:
        bits = str(v % 2) + bits
        v //= 2
    print(bits)
""",
    # most_common keeps first-seen order for ties instead of value order
    "sort_by_frequency": """
from collections import Counter
input()
for v, c in Counter(map(int, input().split())).most_common():
    print(v, c)
""",
    # classic one-pass hash map: minimises j, not i
    "two_sum": """
n, t = map(int, input().split())
a = list(map(int, input().split()))
seen = {}
for j, x in enumerate(a):
    if t - x in seen:
        print(seen[t - x] + 1, j + 1)
        break
    seen.setdefault(x, j)
else:
    print(-1)
""",
    # off by one in the index: returns F(n+1)
    "fibonacci_mod": """
import sys
def fib(n, m):
    if n == 0:
        return 0, 1 % m
    a, b = fib(n >> 1, m)
    c = a * ((2 * b - a) % m) % m
    d = (a * a + b * b) % m
    return (d, (c + d) % m) if n & 1 else (c, d)
data = sys.stdin.read().split()
for i in range(int(data[0])):
    print(fib(int(data[1 + 2 * i]), int(data[2 + 2 * i]))[1])
""",
    # splits on whitespace only, so punctuation sticks to words
    "word_count": """
import sys
from collections import Counter
c = Counter(w.lower() for w in sys.stdin.read().split())
if not c:
    print("NONE")
for w, k in sorted(c.items(), key=lambda kv: (-kv[1], kv[0])):
    print(w, k)
""",
    # only shifts lowercase letters
    "caesar_cipher": """
k = int(input())
s = input()
print("".join(chr((ord(ch) - 97 + k) % 26 + 97) if ch.islower() else ch for ch in s))
""",
    # groups printed in order of first appearance
    "anagram_groups": """
import sys
data = sys.stdin.read().split()
groups = {}
for w in data[1 : 1 + int(data[0])]:
    groups.setdefault("".join(sorted(w)), []).append(w)
for g in groups.values():
    print(" ".join(sorted(g)))
""",
    # digital root as s % 9 (gives 0 instead of 9)
    "digit_sum": """
import sys
data = sys.stdin.read().split()
for x in data[1 : 1 + int(data[0])]:
    s = sum(map(int, x))
    print(s, s % 9)
""",
    # strict inequality accepts degenerate triangles
    "triangle_type": """
import sys
data = sys.stdin.read().split()
for i in range(int(data[0])):
    a, b, c = sorted(map(int, data[1 + 3 * i : 4 + 3 * i]))
    if c > a + b:
        print("invalid")
    elif a == c:
        print("equilateral")
    elif a == b or b == c:
        print("isosceles")
    else:
        print("scalene")
""",
    # forgets the divisible-by-400 exception
    "leap_years": """
import sys
data = sys.stdin.read().split()
for x in data[1 : 1 + int(data[0])]:
    y = int(x)
    print("YES" if y % 4 == 0 and y % 100 != 0 else "NO")
""",
    # missing the IX subtractive form
    "roman_numerals": """
import sys
vals = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (5, "V"), (4, "IV"), (1, "I")]
data = sys.stdin.read().split()
for x in data[1 : 1 + int(data[0])]:
    n = int(x)
    out = ""
    for v, s in vals:
        while n >= v:
            out += s
            n -= v
    print(out)
""",
    # compares only the first and the last word
    "longest_common_prefix": """
import sys
data = sys.stdin.read().split()
words = data[1 : 1 + int(data[0])]
a, b = words[0], words[-1]
k = 0
while k < min(len(a), len(b)) and a[k] == b[k]:
    k += 1
print(a[:k] or "-")
""",
    # even n: takes the upper middle element
    "median": """
n = int(input())
a = sorted(map(int, input().split()))
print(f"{a[n // 2]:.1f}")
""",
    # sorts as strings
    "unique_sorted": """
input()
print(" ".join(sorted(set(input().split()))))
""",
    # off by one in the columns
    "multiplication_table": """
n = int(input())
for i in range(1, n + 1):
    print(" ".join(str(i * j) for j in range(1, n)))
""",
    # ignores duplicates of the maximum
    "second_largest": """
n = int(input())
a = sorted(map(int, input().split()))
print(a[-2] if n >= 2 else "NONE")
""",
    # drops the last coefficient
    "pascal_row": """
from math import comb
k = int(input())
print(" ".join(str(comb(k, i)) for i in range(k)))
""",
    # always prints the compressed form
    "string_compression": """
import itertools
s = input().strip()
print("".join(ch if len(g) == 1 else ch + str(len(g)) for ch, g in ((c, list(g)) for c, g in itertools.groupby(s))))
""",
    # overwrites the end instead of taking the maximum
    "merge_intervals": """
import sys
data = sys.stdin.read().split()
n = int(data[0])
iv = sorted((int(data[1 + 2 * i]), int(data[2 + 2 * i])) for i in range(n))
out = []
for lo, hi in iv:
    if out and lo <= out[-1][1]:
        out[-1][1] = hi
    else:
        out.append([lo, hi])
for lo, hi in out:
    print(lo, hi)
""",
}
