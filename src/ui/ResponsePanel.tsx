// The camera response the merge linearises codes with (merge mode only), and
// a plot of its three curves: linear value per 8-bit code, log scale. The
// choice lives in the store; src/recover.ts recovers curves when needed and
// the bridge hands the active ones to the merge.
import { useEffect, useRef } from 'react';
import type { ResponseLuts } from '../engine/merge/response';
import { activeResponse, autoResponseRefusal, resolvedResponse, RESPONSE_CHOICES, type EditState, type ResponseChoice } from '../state/store';
import { useEdit, useHandles } from './context';

const LABELS: Record<ResponseChoice, { label: string; title: string }> = {
  auto: { label: 'Auto', title: 'Recover the camera’s curve from the brackets where the set allows it (3 or more exposures from EXIF spanning 2 EV or more), else sRGB' },
  srgb: { label: 'sRGB', title: 'The sRGB curve: right for camera JPEGs and PNGs (the default for 8-bit brackets)' },
  linear: { label: 'Linear', title: 'Code / 255: for brackets that are already linear' },
  recovered: { label: 'Recovered', title: 'Recover each channel’s curve from the brackets themselves (Debevec & Malik 1997)' },
};

const CHANNEL_COLOURS = ['#e0524a', '#5cb85c', '#4a90e2'] as const;
/** Lowest linear value plotted: code 0 of the linear curve is 0, which log scale cannot show. */
const FLOOR = 1e-4;

export function ResponsePanel() {
  const { store } = useHandles();
  const mode = useEdit((s) => s.mode);
  const choice = useEdit((s) => s.response);
  const tables = useEdit(activeResponse);
  const recovering = useEdit((s) => (s.pending.recover ?? 0) > 0);
  const used = useEdit(autoUsed);
  // A radiance map is linear already: no codes to linearise.
  const radiance = useEdit((s) => s.radiance !== null);
  if (mode !== 'merge' || radiance) return null;
  return (
    <section className="response-panel">
      <label className="response-choice" title={LABELS[choice].title}>
        Camera response
        <select data-testid="response" value={choice} onChange={(e) => store.getState().setResponse(e.currentTarget.value as ResponseChoice)}>
          {RESPONSE_CHOICES.map((c) => (
            <option key={c} value={c} title={LABELS[c].title}>
              {LABELS[c].label}
            </option>
          ))}
        </select>
      </label>
      {used ? (
        <p className="response-note" data-testid="response-used">
          {used}
        </p>
      ) : null}
      {tables ? (
        <>
          <ResponsePlot tables={tables} />
          <p className="response-note">Linear value of each 8-bit code{sameCurves(tables) ? '' : ', red, green and blue'} (log scale)</p>
        </>
      ) : (
        <p className="response-note">{recovering ? 'Recovering the curves from the brackets…' : 'No curves yet.'}</p>
      )}
    </section>
  );
}

/** What 'auto' resolved to for the open brackets, and why, or null for another choice. */
function autoUsed(s: EditState): string | null {
  if (s.response !== 'auto') return null;
  if (resolvedResponse(s) === 'recovered') return 'Auto: recovered from the brackets.';
  if (s.recoveryFailed) return 'Auto: sRGB (the recovery failed for these brackets).';
  if (s.recoveredFitsSrgb) return 'Auto: sRGB (the curve recovered from the brackets is no better a fit).';
  return `Auto: sRGB (${autoResponseRefusal(s.brackets) ?? 'no brackets'}).`;
}

/** Whether the three channels share one curve (sRGB, linear) or have their own (recovered). */
const sameCurves = (t: ResponseLuts) => t.every((c) => c.every((v, i) => v === t[0][i]));

function ResponsePlot({ tables }: { tables: ResponseLuts }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(c.clientWidth * dpr));
    const h = Math.max(1, Math.round(c.clientHeight * dpr));
    c.width = w;
    c.height = h;
    drawResponse(ctx, w, h, dpr, tables);
  }, [tables]);
  return (
    <canvas
      ref={canvas}
      className="response-plot"
      data-testid="response-plot"
      data-curves={sameCurves(tables) ? 'one' : 'rgb'}
      role="img"
      aria-label="Camera response curves: linear value per 8-bit code, red, green and blue, log scale"
    />
  );
}

/** x: code 0..255; y: log10 of the linear value over the decades the curves span. */
function drawResponse(ctx: CanvasRenderingContext2D, w: number, h: number, dpr: number, tables: ResponseLuts): void {
  const logs = tables.map((t) => Array.from(t, (v) => Math.log10(Math.max(FLOOR, v))));
  const lo = Math.floor(Math.min(...logs.flat()));
  const hi = Math.max(lo + 1, Math.ceil(Math.max(...logs.flat())));
  const pad = 4 * dpr;
  const x = (code: number) => pad + (code / 255) * (w - 2 * pad);
  const y = (v: number) => h - pad - ((v - lo) / (hi - lo)) * (h - 2 * pad);
  ctx.clearRect(0, 0, w, h);
  // A line per decade, labelled.
  ctx.strokeStyle = 'rgba(255,255,255,0.12)';
  ctx.fillStyle = 'rgba(255,255,255,0.45)';
  ctx.lineWidth = dpr;
  ctx.font = `${9 * dpr}px system-ui, sans-serif`;
  for (let d = lo; d <= hi; d++) {
    ctx.beginPath();
    ctx.moveTo(pad, y(d));
    ctx.lineTo(w - pad, y(d));
    ctx.stroke();
    if (d < hi) ctx.fillText(`1e${d}`, pad + 2 * dpr, y(d) - 2 * dpr);
  }
  // Identical channels (sRGB, linear) draw as one neutral line; own curves
  // add up (where they coincide the line is light, where they part it shows
  // each channel's colour).
  const same = sameCurves(tables);
  ctx.lineWidth = 1.5 * dpr;
  ctx.globalCompositeOperation = same ? 'source-over' : 'lighter';
  for (const ch of same ? [0] : [0, 1, 2]) {
    ctx.strokeStyle = same ? 'rgba(230,230,234,0.9)' : CHANNEL_COLOURS[ch]!;
    ctx.beginPath();
    logs[ch]!.forEach((v, code) => (code === 0 ? ctx.moveTo(x(code), y(v)) : ctx.lineTo(x(code), y(v))));
    ctx.stroke();
  }
  ctx.globalCompositeOperation = 'source-over';
}
