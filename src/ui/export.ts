// Full-resolution export: tone map the whole radiance map on the GPU, encode,
// download. Progress is shown; the current edit is untouched.
import { encodeImage, saveBlob, type ExportFormat } from '../io/encode';
import type { Bridge } from '../bridge';
import type { EditStore } from '../state/store';

export async function exportResult(store: EditStore, bridge: Bridge, format: ExportFormat): Promise<void> {
  const { begin, end, setProgress, report } = store.getState();
  begin('export');
  try {
    setProgress({ step: 'Rendering full resolution', done: 0, total: 2 });
    const { params, jpegQuality, setName } = store.getState();
    const { width, height, data } = await bridge.engine.pipeline.exportRgba8(params);
    setProgress({ step: `Encoding ${format.toUpperCase()}`, done: 1, total: 2 });
    const blob = await encodeImage(data, width, height, format, jpegQuality);
    saveBlob(blob, `${setName || 'hdr'}-hdr.${format === 'png' ? 'png' : 'jpg'}`);
  } catch (err) {
    report(`Export failed: ${String(err)}`);
  } finally {
    setProgress(null);
    end('export');
  }
}
