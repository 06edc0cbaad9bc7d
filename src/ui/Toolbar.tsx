// Open and download controls.
import { useRef } from 'react';
import { loadFiles } from '../load';
import { exportResult } from './export';
import { useEdit, useHandles } from './context';

export function Toolbar() {
  const { store, bridge } = useHandles();
  const input = useRef<HTMLInputElement>(null);
  const hasImage = useEdit((s) => s.brackets.length > 0);
  const setName = useEdit((s) => s.setName);
  const size = useEdit((s) => (s.brackets[0] ? `${s.brackets[0].width}×${s.brackets[0].height}` : ''));
  const quality = useEdit((s) => s.jpegQuality);
  const exporting = useEdit((s) => (s.pending.export ?? 0) > 0);
  const canExport = hasImage && bridge !== null && !exporting;

  return (
    <header className="toolbar">
      <h1>HDR Studio</h1>
      <button type="button" onClick={() => input.current?.click()}>
        Open brackets…
      </button>
      <input
        ref={input}
        type="file"
        multiple
        accept="image/jpeg,image/png,.jpg,.jpeg,.png"
        data-testid="file-input"
        hidden
        onChange={(e) => {
          const files = Array.from(e.currentTarget.files ?? []);
          e.currentTarget.value = '';
          void loadFiles(store, files);
        }}
      />
      <span className="set-info">{hasImage ? `${setName} · ${size}` : ''}</span>
      <span className="spacer" />
      <button type="button" data-testid="download-png" disabled={!canExport} onClick={() => bridge && void exportResult(store, bridge, 'png')}>
        Download PNG
      </button>
      <button type="button" data-testid="download-jpeg" disabled={!canExport} onClick={() => bridge && void exportResult(store, bridge, 'jpeg')}>
        Download JPEG
      </button>
      <label className="quality">
        JPEG quality
        <input
          type="number"
          min={10}
          max={100}
          step={1}
          data-testid="jpeg-quality"
          value={Math.round(quality * 100)}
          onChange={(e) => store.getState().setJpegQuality(Number(e.currentTarget.value) / 100)}
        />
      </label>
    </header>
  );
}
