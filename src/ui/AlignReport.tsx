// Alignment: the switch (on by default) and what it found per bracket: the
// motion of the bracket's centre, its rotation, and how it was estimated. A
// bracket whose estimate the guards did not trust stays where it was shot;
// its row says so and why.
import { useEdit, useHandles } from './context';
import type { AlignmentRow } from '../state/store';

const METHODS: Record<string, string> = {
  reference: 'reference',
  refined: 'aligned',
  translation: 'aligned (shift only)',
  identity: 'kept as shot',
};

/** Signed pixels with one decimal, "0" when it rounds to nothing. */
const px = (v: number) => (Math.abs(v) < 0.05 ? '0' : `${v > 0 ? '+' : '−'}${Math.abs(v).toFixed(1)}`);

export function AlignReport() {
  const { store } = useHandles();
  const on = useEdit((s) => s.align);
  const report = useEdit((s) => s.alignment);
  const brackets = useEdit((s) => s.brackets);
  if (brackets.length < 2) return null;
  return (
    <section className="align-panel">
      <label className="align-switch" title="Estimate each bracket’s shift and rotation against the best-exposed bracket and resample the brackets into its frame, cropped to the area all of them cover">
        <input type="checkbox" data-testid="align" checked={on} onChange={(e) => store.getState().setAlign(e.currentTarget.checked)} />
        Align brackets
      </label>
      <div className="align-report" data-testid="align-report" data-state={report?.state ?? 'none'} data-applied={report?.state === 'done' && report.applied ? 'true' : 'false'}>
        {report?.state === 'running' && <p className="align-note">Estimating motion…</p>}
        {report?.state === 'failed' && <p className="align-note">Alignment failed: {report.message}</p>}
        {report?.state === 'done' && (
          <>
            <table>
              <tbody>
                {report.rows.map((row, i) => (
                  <Row key={i} row={row} name={brackets[i]?.name ?? `#${i + 1}`} />
                ))}
              </tbody>
            </table>
            <p className="align-note">
              {!on
                ? 'Off: the brackets are merged as shot.'
                : report.applied
                  ? `Cropped to ${report.crop.width}×${report.crop.height} (the area every bracket covers).`
                  : 'No motion found: the brackets are used as shot.'}
            </p>
          </>
        )}
      </div>
    </section>
  );
}

function Row({ row, name }: { row: AlignmentRow; name: string }) {
  const kept = row.method === 'identity';
  const motion = row.method === 'reference' ? '—' : `${px(row.tx)}, ${px(row.ty)} px · ${Math.abs(row.rotation) < 0.005 ? '0' : row.rotation.toFixed(2)}°`;
  return (
    <tr data-testid="align-row" data-method={row.method} data-tx={row.tx} data-ty={row.ty} data-rotation={row.rotation} title={row.reason}>
      <td className="align-name">{name}</td>
      <td className="align-motion">{motion}</td>
      <td className={kept ? 'align-method align-kept' : 'align-method'}>
        {METHODS[row.method] ?? row.method}
        {kept ? `: ${row.reason}` : ''}
      </td>
    </tr>
  );
}
