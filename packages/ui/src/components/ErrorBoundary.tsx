import { Component, type ErrorInfo, type ReactNode } from 'react';
import { Message } from './Message.js';

/**
 * Keeps one broken view from blanking the app: the failure is shown where the view was, with the rest of the
 * page (navigation, other panels) still working. `resetKey` (the URL) clears the failure on navigation.
 */
export class ErrorBoundary extends Component<{ what: string; resetKey: string; children: ReactNode }, { error: Error | null; key: string }> {
  state = { error: null as Error | null, key: this.props.resetKey };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  static getDerivedStateFromProps(props: { resetKey: string }, state: { error: Error | null; key: string }) {
    return props.resetKey !== state.key ? { error: null, key: props.resetKey } : null;
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error(`Sextant UI: ${this.props.what} failed`, error, info.componentStack);
  }

  render() {
    if (this.state.error)
      return (
        <Message kind="error" title={`This ${this.props.what} could not be shown`}>
          <p data-testid="view-error">{this.state.error.message}</p>
          <p>
            The rest of Sextant still works. If the address was edited by hand or came from another tool, check its
            parameters; otherwise this is a bug worth reporting with the address above.
          </p>
        </Message>
      );
    return this.props.children;
  }
}
