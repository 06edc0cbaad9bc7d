// Copy a texture or buffer back to the CPU. Rows of a texture copy are padded to
// 256 bytes; the padding is stripped here.

export async function readBuffer(device: GPUDevice, src: GPUBuffer, size: number, label: string): Promise<ArrayBuffer> {
  const staging = device.createBuffer({ label: `${label}.staging`, size, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  const encoder = device.createCommandEncoder({ label: `${label}.copy` });
  encoder.copyBufferToBuffer(src, 0, staging, 0, size);
  device.queue.submit([encoder.finish()]);
  try {
    await staging.mapAsync(GPUMapMode.READ);
    return staging.getMappedRange().slice(0);
  } finally {
    staging.destroy();
  }
}

/** One layer (default the first) of a texture, rows unpadded. */
export async function readTexture(device: GPUDevice, texture: GPUTexture, bytesPerPixel: number, label: string, layer = 0): Promise<ArrayBuffer> {
  const { width, height } = texture;
  const rowBytes = width * bytesPerPixel;
  const paddedRow = Math.ceil(rowBytes / 256) * 256;
  const staging = device.createBuffer({
    label: `${label}.staging`,
    size: paddedRow * height,
    usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ,
  });
  const encoder = device.createCommandEncoder({ label: `${label}.copy` });
  encoder.copyTextureToBuffer({ texture, origin: [0, 0, layer] }, { buffer: staging, bytesPerRow: paddedRow, rowsPerImage: height }, { width, height });
  device.queue.submit([encoder.finish()]);
  try {
    await staging.mapAsync(GPUMapMode.READ);
    const padded = new Uint8Array(staging.getMappedRange());
    const out = new Uint8Array(rowBytes * height);
    for (let y = 0; y < height; y++) out.set(padded.subarray(y * paddedRow, y * paddedRow + rowBytes), y * rowBytes);
    return out.buffer;
  } finally {
    staging.destroy();
  }
}
