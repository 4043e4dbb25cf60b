import { useEffect, useRef } from 'react';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, placeholder } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { autocompletion, closeBrackets, completionKeymap } from '@codemirror/autocomplete';
import { linter, lintGutter } from '@codemirror/lint';
import { syntaxHighlighting, defaultHighlightStyle } from '@codemirror/language';
import { getJson } from '../lib/api.js';
import { traceqlCompletion, traceqlDiagnostics, traceqlLanguage } from './language.js';

/**
 * A one-query CodeMirror editor: TraceQL highlighting, completion from the server's tags and values, the
 * parser's errors underlined as you type. Enter runs the query (Shift-Enter adds a line).
 */
export function TraceQLEditor(props: { value: string; onChange: (text: string) => void; onRun: (text: string) => void }) {
  const box = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const handlers = useRef(props);
  handlers.current = props;

  useEffect(() => {
    const run = (v: EditorView) => {
      handlers.current.onRun(v.state.doc.toString());
      return true;
    };
    const state = EditorState.create({
      doc: props.value,
      extensions: [
        history(),
        closeBrackets(),
        traceqlLanguage,
        syntaxHighlighting(defaultHighlightStyle),
        autocompletion({ override: [traceqlCompletion(getJson)], activateOnTyping: true }),
        linter(traceqlDiagnostics, { delay: 150 }),
        lintGutter(),
        placeholder('{ resource.service.name = "frontend" && duration > 100ms }'),
        keymap.of([{ key: 'Enter', run }, { key: 'Mod-Enter', run }, ...completionKeymap, ...historyKeymap, ...defaultKeymap]),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) handlers.current.onChange(u.state.doc.toString());
        }),
        EditorView.contentAttributes.of({ 'aria-label': 'TraceQL query', 'data-testid': 'traceql-input' }),
      ],
    });
    // Inside a shadow root CodeMirror styles itself with constructed style sheets, which the UI's
    // Content-Security-Policy (style-src 'self') allows; in the document it would add <style> tags, which it refuses.
    const host = box.current!;
    const shadow = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
    const parent = document.createElement('div');
    shadow.appendChild(parent);
    const v = new EditorView({ state, parent, root: shadow });
    view.current = v;
    return () => {
      v.destroy();
      parent.remove();
    };
    // The editor owns its text; outside changes come in through the effect below.
  }, []);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== props.value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: props.value } });
  }, [props.value]);

  return <div ref={box} className="traceql-editor" data-testid="traceql-editor" />;
}
