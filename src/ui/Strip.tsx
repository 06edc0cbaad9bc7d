// The bracket strip: a thumbnail per bracket, darkest to brightest, with its
// exposure (shutter, aperture, ISO) and an editable relative EV.
import { useEffect, useRef } from 'react';
import { formatEv, formatShutter } from '../io/exposure';
import type { BracketEntry, RadianceEntry } from '../state/store';
import { useEdit, useHandles } from './context';

function Thumb({ bitmap }: { bitmap: ImageBitmap | null }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    // A closed bitmap (its set was replaced) has no pixels left: draw nothing rather than throw.
    if (!c || !bitmap || bitmap.width === 0) return;
    c.width = bitmap.width;
    c.height = bitmap.height;
    try {
      c.getContext('2d')?.drawImage(bitmap, 0, 0);
    } catch {
      // Detached between the check and the draw: the thumbnail stays blank.
    }
  }, [bitmap]);
  return <canvas ref={ref} className="thumb" />;
}

function BracketCard({ b }: { b: BracketEntry }) {
  const { store } = useHandles();
  const exif = b.exif;
  const details = exif ? [formatShutter(exif.exposureTime), exif.fNumber ? `f/${exif.fNumber}` : null, exif.iso ? `ISO ${exif.iso}` : null].filter(Boolean).join(' · ') : 'no EXIF';
  return (
    <li className="bracket" data-testid="bracket" title={b.name}>
      <Thumb bitmap={b.thumb} />
      <div className="bracket-name">{b.name}</div>
      <div className="bracket-exif">{details}</div>
      <label className="bracket-ev">
        <input
          type="number"
          step={0.1}
          aria-label={`EV of ${b.name}`}
          data-testid="bracket-ev"
          defaultValue={b.ev.toFixed(2)}
          key={`${b.id}:${b.ev}`}
          onBlur={(e) => store.getState().setEv(b.id, Number(e.currentTarget.value))}
          onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
        />
        <span title="Exposure relative to the darkest bracket; type a value to correct it">
          {formatEv(b.ev)}
          {b.evSource === 'assumed' ? ' · assumed' : b.evSource === 'pixels' ? ' · from pixels' : b.evSource === 'user' ? ' · edited' : ''}
        </span>
      </label>
    </li>
  );
}

function RadianceCard({ r }: { r: RadianceEntry }) {
  return (
    <li className="bracket" data-testid="radiance" title={r.name}>
      <Thumb bitmap={r.thumb} />
      <div className="bracket-name">{r.name}</div>
      <div className="bracket-exif">
        radiance map · {r.width}×{r.height}
      </div>
    </li>
  );
}

export function Strip() {
  const brackets = useEdit((s) => s.brackets);
  const radiance = useEdit((s) => s.radiance);
  if (radiance) {
    return (
      <ul className="strip" data-testid="strip">
        <RadianceCard r={radiance} />
      </ul>
    );
  }
  if (brackets.length === 0) return <ul className="strip" data-testid="strip" />;
  return (
    <ul className="strip" data-testid="strip">
      {brackets.map((b) => (
        <BracketCard key={b.id} b={b} />
      ))}
    </ul>
  );
}
