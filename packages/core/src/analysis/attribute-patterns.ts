/**
 * Recognisers for what should not be in span names and attributes: ids (they make names and keys unbounded)
 * and secrets (they must be redacted before traces leave the process). They only classify; reports name the
 * key and the kind of match, never the value.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LONG_HEX = /^(?=[a-f]*\d)[0-9a-f]{16,}$/i;
const LONG_DIGIT_RUN = /\d{6,}/;

/** A token that is an id rather than a word: a number of `minDigits` or more, a UUID, long hex, a long digit run. */
function isIdToken(token: string, minDigits: number): boolean {
  if (/^\d+$/.test(token)) return token.length >= minDigits;
  return UUID.test(token) || LONG_HEX.test(token) || LONG_DIGIT_RUN.test(token);
}

/**
 * Whether a span name embeds an id (`GET /users/123`, `fetch order 9f1c…`). A number right after a slash is
 * an id at any length (a path segment); elsewhere it takes two digits, so `HTTP/1.1` and `v2` stay names.
 */
export function nameHasId(name: string): boolean {
  for (const segment of name.split(/[\s?&=,;()[\]{}#]+/)) {
    const parts = segment.split('/');
    for (let i = 0; i < parts.length; i++) {
      // `host:10000` names a port, a bounded set; what follows a colon elsewhere is judged like any token.
      const [head, ...rest] = parts[i].split(':');
      if (head !== '' && isIdToken(head, i > 0 ? 1 : 2)) return true;
      for (const t of rest) if (t !== '' && !/^\d{1,5}$/.test(t) && isIdToken(t, 2)) return true;
    }
  }
  return false;
}

/** Whether an attribute key embeds an id (`user.1234.cart`); short indexes (`gen_ai.prompt.0.role`) are allowed. */
export function keyHasId(key: string): boolean {
  return key.split(/[._\-/:]+/).some((part) => part !== '' && isIdToken(part, 3));
}

const SENSITIVE_KEY =
  /(^|[._-])(password|passwd|pwd|passphrase|secret|client[._-]?secret|token|access[._-]?token|refresh[._-]?token|id[._-]?token|api[._-]?key|apikey|private[._-]?key|authorization|cookie|set[._-]cookie|credit[._-]?card|card[._-]?number|cvv|cvc|ssn)($|[._-])/i;

/** Keys whose values are URLs or statements: an e-mail address or an inline credential there is a leak. */
const URL_OR_STATEMENT_KEYS = new Set([
  'url.full',
  'url.query',
  'url.path',
  'http.url',
  'http.target',
  'db.statement',
  'db.query.text',
]);

const REDACTED = /^(\**|x+|redacted|\[redacted\]|<redacted>|\[filtered\]|filtered|\[masked\]|masked|-)$/i;
const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;
const BEARER = /\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{12,}/i;
const URL_CREDENTIALS = /\/\/[^/\s:@]+:[^/\s@]+@/;
const QUERY_SECRET = /[?&;](password|passwd|pwd|token|access_token|refresh_token|api_key|apikey|secret|client_secret|sig|signature)=[^&\s]+/i;
const SQL_SECRET = /\b(password|passwd|pwd|secret|token)\b\s*=\s*'[^']+'/i;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;
const CARD_CANDIDATE = /\b(?:\d[ -]?){12,18}\d\b/g;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * A payment card number: 13–19 digits passing the Luhn check that either are written in groups or start with
 * a card network prefix. Bare 19-digit nanosecond timestamps start with 1 and are not taken for cards.
 */
export function containsCardNumber(text: string): boolean {
  for (const m of text.matchAll(CARD_CANDIDATE)) {
    const digits = m[0].replace(/[ -]/g, '');
    if (digits.length < 13 || digits.length > 19 || !luhn(digits)) continue;
    const grouped = m[0] !== digits;
    if (grouped || /^(4|5[1-5]|2[2-7]|3[47]|6011|65)/.test(digits)) return true;
  }
  return false;
}

export type SecretKind = 'secret key' | 'token' | 'credentials in URL' | 'card number' | 'e-mail address' | 'inline password';

/**
 * Why an attribute looks sensitive, or undefined. `extraKeys` are the rules file's additional key patterns.
 * Only non-empty string values count: a numeric `password.length` or a redacted `***` is not a leak.
 */
export function sensitiveKind(key: string, value: unknown, extraKeys: readonly RegExp[] = []): SecretKind | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  if (REDACTED.test(v)) return undefined;
  if (SENSITIVE_KEY.test(key) || extraKeys.some((p) => p.test(key))) return 'secret key';
  if (JWT.test(v) || BEARER.test(v)) return 'token';
  if (containsCardNumber(v)) return 'card number';
  if (URL_OR_STATEMENT_KEYS.has(key)) {
    if (URL_CREDENTIALS.test(v)) return 'credentials in URL';
    if (QUERY_SECRET.test(v) || SQL_SECRET.test(v)) return 'inline password';
    if (EMAIL.test(v)) return 'e-mail address';
  }
  return undefined;
}

/** Deprecated semantic-convention names and the names that replaced them. */
export const DEPRECATED_ATTRIBUTES: readonly (readonly [deprecated: string, current: string])[] = [
  ['http.method', 'http.request.method'],
  ['http.status_code', 'http.response.status_code'],
  ['http.url', 'url.full'],
  ['http.target', 'url.path'],
  ['http.scheme', 'url.scheme'],
  ['http.user_agent', 'user_agent.original'],
  ['http.client_ip', 'client.address'],
  ['http.flavor', 'network.protocol.version'],
  ['net.peer.name', 'server.address'],
  ['net.peer.port', 'server.port'],
  ['net.host.name', 'server.address'],
  ['net.host.port', 'server.port'],
  ['db.statement', 'db.query.text'],
  ['db.system', 'db.system.name'],
  ['messaging.destination', 'messaging.destination.name'],
];
