// How the brackets become one picture: exposure fusion or radiance merge plus
// tone mapping. Both stay available; switching keeps the other's result cached.
import type { Mode } from '../engine/types';
import { useEdit, useHandles } from './context';

const MODE_LABELS: Record<Mode, { label: string; title: string }> = {
  fusion: { label: 'Fusion', title: 'Exposure fusion (Mertens): blends the best-exposed parts of each bracket, no tone mapping needed' },
  merge: { label: 'HDR merge + tone map', title: 'Merge the brackets into a radiance map, then tone map it' },
};

export function ModeSwitch() {
  const { store } = useHandles();
  const mode = useEdit((s) => s.mode);
  const radiance = useEdit((s) => s.radiance !== null);
  return (
    <div className="mode-switch" role="group" aria-label="Processing mode">
      {(Object.keys(MODE_LABELS) as Mode[]).map((m) => (
        <button
          key={m}
          type="button"
          data-testid={`mode-${m}`}
          aria-pressed={mode === m}
          disabled={radiance && m === 'fusion'}
          title={radiance && m === 'fusion' ? 'Fusion blends brackets; an opened radiance map has none' : MODE_LABELS[m].title}
          onClick={() => store.getState().setMode(m)}
        >
          {MODE_LABELS[m].label}
        </button>
      ))}
    </div>
  );
}

/** What the current mode does with values outside the displayable range. */
export function ModeNote() {
  const mode = useEdit((s) => s.mode);
  const radiance = useEdit((s) => s.radiance !== null);
  if (radiance) {
    return (
      <p className="mode-note" data-testid="radiance-note">
        A radiance map is open: it is tone-mapped as it is, with no merge. Fusion is off, since it blends brackets and there are none.
      </p>
    );
  }
  if (mode !== 'fusion') return null;
  return (
    <p className="mode-note" data-testid="fusion-clamp-note">
      Fusion can produce values above white or below black. They are kept through Exposure and clipped only at the end, so lowering Exposure brings back highlights.
    </p>
  );
}
