/**
 * TraceQL tokens. Attribute references are lexed whole (`resource.service.name`, `parent.span.http.route`,
 * `span."name with spaces"`), because an attribute name may contain dots and dashes that would otherwise read
 * as operators; a name ends where Tempo's does: at whitespace or one of `{}()=~!<>&|^,`.
 */
import { errorAt } from './errors.js';

export type AttributeScope = 'span' | 'resource' | 'event' | 'link' | 'instrumentation' | '';
export type IntrinsicScope = 'span' | 'trace' | 'event' | 'link' | 'instrumentation';

export type Token =
  | { kind: 'punct' | 'op'; value: string; start: number; end: number }
  | { kind: 'ident'; value: string; start: number; end: number }
  | { kind: 'string'; value: string; start: number; end: number }
  | { kind: 'number'; value: number; isInt: boolean; start: number; end: number }
  | { kind: 'duration'; value: number; start: number; end: number }
  | { kind: 'attribute'; scope: AttributeScope; parent: boolean; name: string; start: number; end: number }
  | { kind: 'scopedIntrinsic'; scope: IntrinsicScope; name: string; start: number; end: number }
  | { kind: 'eof'; start: number; end: number };

const ATTRIBUTE_SCOPES = new Set(['span', 'resource', 'event', 'link', 'instrumentation']);
const INTRINSIC_SCOPES = new Set(['span', 'trace', 'event', 'link', 'instrumentation']);

// Longest first, so that `!>>` wins over `!>` and `!`.
const OPERATORS = [
  '!>>', '!<<', '&>>', '&<<',
  '&&', '||', '!=', '=~', '!~', '>=', '<=', '>>', '<<', '!>', '!<', '&>', '&<', '&~',
  '=', '>', '<', '~', '!', '+', '-', '*', '/', '%', '^',
];
const PUNCT = '{}(),|';

/** Nanoseconds per duration unit, as Go's time.ParseDuration (which Tempo uses) reads them. */
const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}
function isIdentPart(c: string): boolean {
  return isIdentStart(c) || (c >= '0' && c <= '9');
}
function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}
function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}
const ATTRIBUTE_END = new Set([...'{}()=~!<>&|^,']);
function isAttributePart(c: string): boolean {
  return c !== '' && !isSpace(c) && !ATTRIBUTE_END.has(c);
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const at = (k: number) => (k < text.length ? text[k] : '');

  function readString(quote: string): string {
    const start = i;
    i++;
    let out = '';
    while (i < text.length && text[i] !== quote) {
      if (text[i] === '\\' && quote === '"') {
        const n = at(i + 1);
        const esc: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', '/': '/' };
        if (n in esc) {
          out += esc[n];
          i += 2;
          continue;
        }
        if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
          continue;
        }
        throw errorAt(text, i, `unknown escape \\${n} in string`);
      }
      out += text[i++];
    }
    if (i >= text.length) throw errorAt(text, start, 'unterminated string', [quote]);
    i++;
    return out;
  }

  function readAttributeName(): string {
    if (at(i) === '"') return readString('"');
    const start = i;
    while (isAttributePart(at(i))) i++;
    if (i === start) throw errorAt(text, i, 'expected an attribute name', ['attribute name'], at(i));
    return text.slice(start, i);
  }

  function readNumber(start: number): Token {
    while (isDigit(at(i))) i++;
    let isInt = true;
    if (at(i) === '.' && isDigit(at(i + 1))) {
      isInt = false;
      i++;
      while (isDigit(at(i))) i++;
    }
    if ((at(i) === 'e' || at(i) === 'E') && (isDigit(at(i + 1)) || ((at(i + 1) === '-' || at(i + 1) === '+') && isDigit(at(i + 2))))) {
      isInt = false;
      i += 2;
      while (isDigit(at(i))) i++;
    }
    const numText = text.slice(start, i);
    if (/[a-zµμ]/i.test(at(i))) return readDuration(start, numText);
    return { kind: 'number', value: Number(numText), isInt, start, end: i };
  }

  // Compound durations such as 1h30m or 1.5s; the first number is already read.
  function readDuration(start: number, first: string): Token {
    let total = 0;
    let num = first;
    for (;;) {
      const unitStart = i;
      while (/[a-zµμ]/i.test(at(i))) i++;
      const unit = text.slice(unitStart, i);
      const scale = DURATION_UNITS[unit];
      if (scale === undefined) throw errorAt(text, unitStart, `unknown duration unit "${unit}" (use ns, us, ms, s, m or h)`, ['ns', 'us', 'ms', 's', 'm', 'h'], unit);
      total += Number(num) * scale;
      if (!isDigit(at(i))) break;
      const numStart = i;
      while (isDigit(at(i)) || (at(i) === '.' && isDigit(at(i + 1)))) i++;
      num = text.slice(numStart, i);
    }
    if (isIdentPart(at(i))) throw errorAt(text, i, 'malformed duration', ['duration'], text.slice(start, i + 1));
    return { kind: 'duration', value: total, start, end: i };
  }

  while (i < text.length) {
    const c = text[i];
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '"' || c === '`') {
      const value = readString(c);
      tokens.push({ kind: 'string', value, start, end: i });
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(at(i + 1)))) {
      tokens.push(readNumber(start));
      continue;
    }
    if (c === '.') {
      i++;
      const name = readAttributeName();
      tokens.push({ kind: 'attribute', scope: '', parent: false, name, start, end: i });
      continue;
    }
    if (isIdentStart(c)) {
      while (isIdentPart(at(i))) i++;
      let word = text.slice(start, i);
      if (at(i) === '.' && (word === 'parent' || ATTRIBUTE_SCOPES.has(word))) {
        i++;
        let parent = false;
        if (word === 'parent') {
          parent = true;
          // `parent.span.x` and `parent.resource.x` are scoped; `parent.x` is unscoped.
          const m = /^(span|resource)\./.exec(text.slice(i));
          word = '';
          if (m) {
            word = m[1];
            i += m[0].length;
          }
        }
        const name = readAttributeName();
        tokens.push({ kind: 'attribute', scope: word as AttributeScope, parent, name, start, end: i });
        continue;
      }
      if (at(i) === ':' && INTRINSIC_SCOPES.has(word)) {
        i++;
        const nameStart = i;
        while (isIdentPart(at(i))) i++;
        if (i === nameStart) throw errorAt(text, i, `expected an intrinsic name after "${word}:"`, ['intrinsic'], at(i));
        tokens.push({ kind: 'scopedIntrinsic', scope: word as IntrinsicScope, name: text.slice(nameStart, i), start, end: i });
        continue;
      }
      tokens.push({ kind: 'ident', value: word, start, end: i });
      continue;
    }
    if (PUNCT.includes(c) && !(c === '|' && at(i + 1) === '|')) {
      i++;
      tokens.push({ kind: 'punct', value: c, start, end: i });
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op !== undefined) {
      i += op.length;
      tokens.push({ kind: 'op', value: op, start, end: i });
      continue;
    }
    throw errorAt(text, i, `unexpected character "${c}"`, [], c);
  }
  tokens.push({ kind: 'eof', start: text.length, end: text.length });
  return tokens;
}
