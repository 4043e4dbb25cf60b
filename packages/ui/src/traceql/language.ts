/**
 * TraceQL for CodeMirror 6: highlighting from core's own lexer (so the editor and the server agree on every
 * token), inline errors from core's parser, and completion of scopes, intrinsics, tag names
 * (/api/v2/search/tags) and tag values (/api/v2/search/tag/{tag}/values).
 */
import { StreamLanguage, type StringStream } from '@codemirror/language';
import type { CompletionContext, CompletionResult, Completion } from '@codemirror/autocomplete';
import type { Diagnostic } from '@codemirror/lint';
import type { EditorView } from '@codemirror/view';
import { TraceQLError, parseTraceQL, tokenize } from '@sextant/core';

const KEYWORDS = new Set(['true', 'false', 'nil', 'error', 'ok', 'unset', 'unspecified', 'internal', 'server', 'client', 'producer', 'consumer', 'with', 'by', 'select', 'coalesce']);
const FUNCTIONS = [
  'count', 'avg', 'min', 'max', 'sum', 'rate', 'count_over_time', 'min_over_time', 'max_over_time', 'avg_over_time', 'sum_over_time',
  'quantile_over_time', 'histogram_over_time', 'compare', 'topk', 'bottomk', 'by', 'select', 'coalesce',
];
const INTRINSICS = ['duration', 'name', 'status', 'statusMessage', 'kind', 'rootName', 'rootServiceName', 'traceDuration', 'childCount', 'nestedSetLeft', 'nestedSetRight', 'nestedSetParent', 'span:id', 'trace:id', 'span:parentID', 'event:name', 'event:timeSinceStart', 'link:traceID', 'link:spanID', 'instrumentation:name', 'instrumentation:version', 'trace:duration', 'trace:rootName', 'trace:rootService'];
const SCOPES = ['span.', 'resource.', 'event.', 'link.', 'instrumentation.', 'parent.', '.'];

/** Token class of the text at the stream position, read with the real lexer on the rest of the line. */
function tokenAt(stream: StringStream): string | null {
  const rest = stream.string.slice(stream.pos);
  let toks;
  try {
    toks = tokenize(rest);
  } catch {
    stream.next();
    return 'invalid';
  }
  const t = toks[0];
  if (t.kind === 'eof') {
    stream.skipToEnd();
    return null;
  }
  stream.pos += t.end;
  switch (t.kind) {
    case 'string': return 'string';
    case 'number': case 'duration': return 'number';
    case 'attribute': return 'propertyName';
    case 'scopedIntrinsic': return 'atom';
    case 'op': return 'operator';
    case 'punct': return 'bracket';
    case 'ident': return KEYWORDS.has(t.value) ? 'keyword' : FUNCTIONS.includes(t.value) ? 'function' : INTRINSICS.includes(t.value) ? 'atom' : 'variableName';
  }
  return null;
}

export const traceqlLanguage = StreamLanguage.define<null>({
  name: 'traceql',
  startState: () => null,
  token(stream) {
    if (stream.eatSpace()) return null;
    return tokenAt(stream);
  },
});

export function traceqlDiagnostics(view: EditorView): Diagnostic[] {
  const text = view.state.doc.toString();
  if (text.trim() === '') return [];
  try {
    parseTraceQL(text);
    return [];
  } catch (e) {
    if (!(e instanceof TraceQLError)) throw e;
    const from = Math.min(e.offset, text.length);
    return [{ from, to: Math.min(text.length, from + Math.max(1, e.found.length)), severity: 'error', message: e.message.replace(/^TraceQL parse error at /, '') }];
  }
}

interface TagScopes {
  scopes: { name: string; tags: string[] }[];
}

/** Completion over the server's tags, cached per editor; tag values are fetched per tag as they are asked for. */
export function traceqlCompletion(fetchJson: <T>(path: string) => Promise<T>) {
  let tags: Promise<TagScopes> | undefined;
  const values = new Map<string, Promise<string[]>>();
  const tagValues = (tag: string) => {
    let v = values.get(tag);
    if (!v) {
      v = fetchJson<{ tagValues: { value: string }[] }>(`/api/v2/search/tag/${encodeURIComponent(tag)}/values`).then((r) => r.tagValues.map((x) => x.value));
      values.set(tag, v);
    }
    return v;
  };
  return async (ctx: CompletionContext): Promise<CompletionResult | null> => {
    const before = ctx.state.sliceDoc(0, ctx.pos);
    // A value after `<tag> = ` (or != =~ !~): offer the tag's values.
    const valueMatch = /((?:span|resource|parent|event|link|instrumentation)?\.[^\s{}()=~!<>&|^,]+|name|status|kind|rootServiceName|rootName)\s*(?:=|!=|=~|!~)\s*("?[^"]*)$/.exec(before);
    if (valueMatch) {
      const tag = valueMatch[1];
      const typed = valueMatch[2];
      const list = await tagValues(tag).catch(() => [] as string[]);
      const enumLike = tag === 'status' || tag === 'kind';
      return {
        from: ctx.pos - typed.length,
        options: list.map((v): Completion => ({ label: enumLike ? v : JSON.stringify(v), type: 'constant' })),
        validFor: /^"?[^"]*$/,
      };
    }
    const word = ctx.matchBefore(/[\w.:]*$/);
    if (!word || (word.from === word.to && !ctx.explicit)) return null;
    tags ??= fetchJson<TagScopes>('/api/v2/search/tags');
    const scopes = await tags.catch(() => ({ scopes: [] }) as TagScopes);
    const options: Completion[] = [];
    for (const s of scopes.scopes) {
      if (s.name === 'intrinsic') for (const t of s.tags) options.push({ label: t, type: 'keyword' });
      else for (const t of s.tags) options.push({ label: `${s.name}.${t}`, type: 'property', detail: s.name });
    }
    for (const t of INTRINSICS) if (!options.some((o) => o.label === t)) options.push({ label: t, type: 'keyword' });
    for (const sc of SCOPES) options.push({ label: sc, type: 'namespace' });
    for (const f of FUNCTIONS) options.push({ label: `${f}()`, apply: `${f}(`, type: 'function' });
    return { from: word.from, options, validFor: /^[\w.:]*$/ };
  };
}
