// The tone curve over the live display histogram, per channel (luminance, or
// R, G, B), and the clipping-warning toggle. Curves and the toggle live in the
// store; the bridge hands them to the engine (the curve pass re-runs alone).
import { useState } from 'react';
import { CURVE_CHANNELS, isIdentity, type CurveChannel } from '../engine/curve/curve';
import { CurveEditor } from './CurveEditor';
import { useEdit, useHandles } from './context';

const CHANNEL_LABELS: Record<CurveChannel, string> = { luma: 'Luminance', r: 'Red', g: 'Green', b: 'Blue' };

export function TonePanel() {
  const { store, history } = useHandles();
  const [channel, setChannel] = useState<CurveChannel>('luma');
  const curves = useEdit((s) => s.curves);
  const histogram = useEdit((s) => s.histogram);
  const clipWarnings = useEdit((s) => s.clipWarnings);
  return (
    <section className="tone-panel">
      <div className="curve-channels" role="tablist" aria-label="Curve channel">
        {CURVE_CHANNELS.map((c) => (
          <button
            key={c}
            type="button"
            role="tab"
            data-testid={`curve-channel-${c}`}
            aria-selected={channel === c}
            className={isIdentity(curves[c]) ? undefined : 'edited'}
            title={`${CHANNEL_LABELS[c]} curve${isIdentity(curves[c]) ? '' : ' (edited)'}`}
            onClick={() => setChannel(c)}
          >
            {c === 'luma' ? 'L' : c.toUpperCase()}
          </button>
        ))}
      </div>
      <CurveEditor
        key={channel}
        label={`${CHANNEL_LABELS[channel]} curve`}
        points={curves[channel]}
        histogram={histogram ? { bins: histogram } : null}
        onChange={(points, final) => {
          // A drag (or a held arrow key) is one undo step, committed on release.
          if (!final) history.begin();
          store.getState().setCurve(channel, points);
          if (final) history.end();
        }}
      />
      <label className="clip-toggle">
        <input type="checkbox" data-testid="clip-warnings" checked={clipWarnings} onChange={(e) => store.getState().setClipWarnings(e.target.checked)} />
        Show clipping (red highlights, blue shadows)
      </label>
    </section>
  );
}
