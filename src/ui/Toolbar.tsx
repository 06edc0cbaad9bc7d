// Open and download controls. The downloads are one compact group: the
// finished picture (PNG, JPEG, 16-bit PNG, Ultra HDR), then the radiance map
// (EXR, .hdr); each button's title says what it holds.
import { Fragment, useRef } from 'react';
import { loadFiles } from '../load';
import { hasImage as anyImage, imageSize } from '../state/store';
import { DOWNLOAD_KINDS, DOWNLOADS, exportResult } from './export';
import { EditMenu } from './EditMenu';
import { useEdit, useHandles } from './context';

export function Toolbar() {
  const { store, bridge } = useHandles();
  const input = useRef<HTMLInputElement>(null);
  const hasImage = useEdit(anyImage);
  const setName = useEdit((s) => s.setName);
  const size = useEdit((s) => {
    const z = imageSize(s);
    return z ? `${z.width}×${z.height}` : '';
  });
  const quality = useEdit((s) => s.jpegQuality);
  const exporting = useEdit((s) => (s.pending.export ?? 0) > 0);
  const canExport = hasImage && bridge !== null && !exporting;

  return (
    <header className="toolbar">
      <h1>HDR Studio</h1>
      <button type="button" onClick={() => input.current?.click()} title="1–16 brackets (JPEG, 8- or 16-bit PNG or TIFF, DNG), or one radiance map (OpenEXR, Radiance .hdr); or drop them, or their folder, onto the page">
        Open brackets…
      </button>
      <input
        ref={input}
        type="file"
        multiple
        accept="image/jpeg,image/png,image/tiff,.jpg,.jpeg,.png,.tif,.tiff,.dng,.exr,.hdr"
        data-testid="file-input"
        hidden
        onChange={(e) => {
          const files = Array.from(e.currentTarget.files ?? []);
          e.currentTarget.value = '';
          void loadFiles(store, files);
        }}
      />
      <EditMenu />
      <span className="set-info" title={hasImage ? `${setName} · ${size}` : undefined}>
        {hasImage ? `${setName} · ${size}` : ''}
      </span>
      <span className="spacer" />
      <div className="downloads" role="group" aria-label="Download">
        <span className="downloads-label">Download</span>
        {DOWNLOAD_KINDS.map((kind, i) => (
          <Fragment key={kind}>
            {i > 0 && DOWNLOADS[kind].group !== DOWNLOADS[DOWNLOAD_KINDS[i - 1]!].group && <span className="downloads-gap" aria-hidden="true" />}
            <button type="button" data-testid={`download-${kind}`} title={DOWNLOADS[kind].title} disabled={!canExport} onClick={() => bridge && void exportResult(store, bridge, kind)}>
              {DOWNLOADS[kind].label}
            </button>
          </Fragment>
        ))}
      </div>
      <label className="quality">
        JPEG quality
        <input type="number" min={10} max={100} step={1} data-testid="jpeg-quality" value={Math.round(quality * 100)} onChange={(e) => store.getState().setJpegQuality(Number(e.currentTarget.value) / 100)} />
      </label>
    </header>
  );
}
