// Failures the fuzzer found, kept as regression tests: fast-check's seed and
// path for each (printed with the failure), replayed by fuzz.test.ts before
// the random cases. Each was fixed; the note says what it was. (The seeds
// replay the same generated request only with the same arbitraries: the
// request itself is also kept as a plain test, test/http/errors.test.ts.)
export const REGRESSIONS: { seed: number; path: string; note: string }[] = [
  {
    seed: -1472743685,
    path: '1368',
    note: 'POST /v1/encryption-keys/rotate with the body {"__proto__":{}} answered 500: the 422 builder kept errors in a plain object, whose "__proto__" is the prototype, not a key.',
  },
  {
    seed: -552621854,
    path: '3254',
    note: 'A create whose metadata had the key "\\ud800" (a lone surrogate) was stored and answered 200 with the key in it: an answer no JSON Schema validator could read (encodeURIComponent threw). Lone surrogates are now refused with 422, and an echoed unknown key is made well-formed.',
  },
];
