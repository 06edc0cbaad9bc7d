// A part of the UI that fails to render shows a short note in its place; the
// rest of the editor, the canvas and the edit in the store carry on. Without
// it, one throwing component unmounts the whole app (React's default).
import { Component, type ReactNode } from 'react';

interface GuardProps {
  /** What the part is, for the note. */
  name: string;
  children: ReactNode;
}

export class Guard extends Component<GuardProps, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error): { error: Error } {
    return { error };
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="guard" role="alert" data-testid="ui-error">
        The {this.props.name} could not be shown ({error.message}).{' '}
        <button type="button" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </div>
    );
  }
}
