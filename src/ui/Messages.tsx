// The error area: problems with input or the GPU, each dismissable, plus the
// progress of long work.
import { useEdit, useHandles } from './context';

export function Messages() {
  const { store } = useHandles();
  const messages = useEdit((s) => s.messages);
  return (
    <div className="messages" data-testid="error" role="alert" aria-live="polite">
      {messages.map((m) => (
        <div key={m.id} className={`message message-${m.kind}`} data-kind={m.kind}>
          <span>{m.text}</span>
          <button type="button" aria-label="Dismiss" onClick={() => store.getState().dismiss(m.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

export function ProgressBar() {
  const progress = useEdit((s) => s.progress);
  if (!progress) return null;
  return (
    <div className="progress" data-testid="progress">
      <span>
        {progress.step} {progress.total > 1 ? `${progress.done}/${progress.total}` : ''}
      </span>
      <progress max={progress.total} value={progress.done} />
    </div>
  );
}
