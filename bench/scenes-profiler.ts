// In-page stage profiler for bench/scenes.bench.ts: makes every stage of an
// engine call its own submission, submitted only once the one before it is
// done (onSubmittedWorkDone), and times each one, without touching the engine.
//
// installProfiler() runs in the page (page.evaluate(installProfiler)). For one
// device (__scenesProfiler.device) and only between begin() and end(), it wraps:
//   GPUAdapter.requestDevice    asks for 'timestamp-query' when the adapter has it
//                               (for every device requested after install)
//   GPUDevice.createCommandEncoder
//                               returns a stand-in that starts a new real encoder
//                               whenever a compute or render pass of another stage
//                               begins (the stage comes from the pass label:
//                               'merge.pass' → merge, 'tonemap.export.pass' →
//                               tonemap.full, 'fusion-weights.bracket3' → fusion …)
//                               and adds timestampWrites to every pass
//   GPUQueue.submit             queues each stage's command buffer; a pump submits
//                               them one at a time, each after the previous one's
//                               onSubmittedWorkDone (the first at once)
//   GPUQueue.writeTexture/writeBuffer
//                               while the pump is busy: queued behind it (data copied),
//                               so the order on the GPU is the engine's order; before
//                               a submission, the textures written (the upload) are
//                               submitted on their own and waited for first
//   GPUQueue.onSubmittedWorkDone, GPUBuffer.mapAsync
//                               wait for the pump first, so render() and read-backs
//                               resolve only when every stage is done
// Wall time of a stage = its onSubmittedWorkDone − its submit; the upload ends
// at uploadDoneAt (the caller knows when it began). GPU time = the sum of its
// passes' timestamp spans. Validation errors of the queued submissions
// (outside the engine's error scopes) are collected and thrown by end().
//
// The canvas texture a render pass draws into expires at the next frame, so a
// 'present' submission that comes with other stages is never held back: it
// goes at once (before them, drawing the previous picture; the next stage
// waits for it) and gets no wall time. The bench times present on its own, in
// a render that runs present alone.

export interface StageTime {
  stage: string;
  /** Wall: this submission's onSubmittedWorkDone − its submit; null when it could not be serialized. */
  wallMs: number | null;
  /** Sum of the passes' timestamp spans; null without timestamp queries. */
  gpuMs: number | null;
  /** Timestamp spans per sub-stage (e.g. fusion.weights), ms. */
  parts: Record<string, number>;
  passes: number;
}

export interface Profile {
  /** performance.now() when the last writeTexture of the session was done on the GPU, or null. */
  uploadDoneAt: number | null;
  uploadBytes: number;
  stages: StageTime[];
  timestamps: boolean;
}

export interface ProfilerHandle {
  device: GPUDevice | null;
  /** Ask for timestamp queries on devices requested from now on. */
  wantTimestamps: boolean;
  begin(): void;
  end(): Promise<Profile>;
}

/** Runs in the page: installs window.__scenesProfiler (idempotent). */
export function installProfiler(): void {
  type Pass = { label: string; stage: string; query: number };
  type Group = { stage: string; cb: GPUCommandBuffer; passes: Pass[] };
  type Rec = { stage: string; passes: Pass[]; submittedAt: number; doneAt: number; serialized: boolean };
  type Item = { group: Group } | { write: () => void };
  const w = window as unknown as { __scenesProfiler?: ProfilerHandle };
  if (w.__scenesProfiler) return;

  const RULES: [RegExp, string][] = [
    [/^merge\./, 'merge'],
    [/^luminance\./, 'luminance'],
    [/^downsample\./, 'downsample'],
    [/^tonemap\.export/, 'tonemap.full'],
    [/^tonemap\./, 'tonemap.preview'],
    [/^curve\.export/, 'curve.full'],
    [/^curve\./, 'curve.preview'],
    [/^histogram\./, 'histogram'],
    [/^present\./, 'present'],
    [/^fusion-weights\./, 'fusion.weights'],
    [/^fusion\.reduce/, 'fusion.pyramid'],
    [/^fusion-blend\./, 'fusion.blend'],
    [/^fusion\.collapse/, 'fusion.collapse'],
    [/^align[.-]warp/, 'align.warp'],
    [/^align/, 'align.estimate'],
    [/^deghost/, 'deghost'],
    [/^local-laplacian/, 'detail'],
    [/\.copy$/, 'readback'],
  ];
  const partOf = (label: string) => RULES.find(([re]) => re.test(label))?.[1] ?? (label.split('.')[0] || 'other');
  /** Submissions are split per stage; the fusion's phases interleave per bracket and stay one submission. */
  const groupOf = (part: string) => (part.startsWith('fusion.') ? 'fusion' : part);

  const orig = {
    requestDevice: GPUAdapter.prototype.requestDevice,
    createCommandEncoder: GPUDevice.prototype.createCommandEncoder,
    submit: GPUQueue.prototype.submit,
    writeTexture: GPUQueue.prototype.writeTexture,
    writeBuffer: GPUQueue.prototype.writeBuffer,
    onSubmittedWorkDone: GPUQueue.prototype.onSubmittedWorkDone,
    mapAsync: GPUBuffer.prototype.mapAsync,
  };
  const QUERIES = 4096;

  let active = false;
  /** One timestamp query set per device (a query set belongs to its device). */
  const querySets = new WeakMap<GPUDevice, GPUQuerySet>();
  let querySet: GPUQuerySet | null = null;
  let nextQuery = 0;
  let recs: Rec[] = [];
  let errors: string[] = [];
  let uploadDone: Promise<number> | null = null;
  /** writeTexture calls made since the last submission (the upload of a render). */
  let writesPending = false;
  let uploadBytes = 0;
  const expand = new WeakMap<GPUCommandBuffer, Group[]>();

  /** The pump: what waits to be submitted, and a promise for when it is all done. */
  const queue: Item[] = [];
  let idle: Promise<void> = Promise.resolve();
  let busy = false;
  const mine = (q: GPUQueue) => active && !!handle.device && q === handle.device.queue;

  const submitNow = (q: GPUQueue, g: Group, serialized: boolean): Promise<void> => {
    const d = handle.device!;
    d.pushErrorScope('validation');
    const rec: Rec = { stage: g.stage, passes: g.passes, submittedAt: performance.now(), doneAt: 0, serialized };
    orig.submit.call(q, [g.cb]);
    recs.push(rec);
    void d.popErrorScope().then((e) => e && errors.push(`${g.stage}: ${e.message}`));
    return orig.onSubmittedWorkDone.call(q).then(() => {
      rec.doneAt = performance.now();
    });
  };

  const pump = async (q: GPUQueue) => {
    while (queue.length) {
      const item = queue.shift()!;
      if ('write' in item) item.write();
      else await submitNow(q, item.group, true);
    }
    busy = false;
  };

  const handle: ProfilerHandle = {
    device: null,
    wantTimestamps: true,
    begin() {
      const d = handle.device;
      if (!d) throw new Error('profiler: no device');
      if (busy) throw new Error('profiler: still submitting the last session');
      querySet = querySets.get(d) ?? null;
      if (!querySet && d.features.has('timestamp-query')) querySets.set(d, (querySet = d.createQuerySet({ type: 'timestamp', count: QUERIES })));
      nextQuery = 0;
      recs = [];
      errors = [];
      uploadDone = null;
      writesPending = false;
      uploadBytes = 0;
      active = true;
    },
    async end() {
      await idle;
      const d = handle.device!;
      await orig.onSubmittedWorkDone.call(d.queue);
      active = false;
      const uploadDoneAt = uploadDone ? await uploadDone : null;
      let ticks: BigInt64Array | null = null;
      if (querySet && nextQuery > 0) {
        const size = nextQuery * 8;
        const resolve = d.createBuffer({ size, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
        const read = d.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
        const enc = orig.createCommandEncoder.call(d, { label: 'profiler.resolve' });
        enc.resolveQuerySet(querySet, 0, nextQuery, resolve, 0);
        enc.copyBufferToBuffer(resolve, 0, read, 0, size);
        orig.submit.call(d.queue, [enc.finish()]);
        await orig.mapAsync.call(read, GPUMapMode.READ);
        ticks = new BigInt64Array(read.getMappedRange().slice(0));
        read.destroy();
        resolve.destroy();
      }
      if (errors.length) throw new Error(`WebGPU validation (profiled submissions): ${errors.join('; ')}`);
      const firstSerialized = recs.find((s) => s.serialized);
      const stages: StageTime[] = recs.map((s) => {
        // The first submission went in right behind the upload's writes: its time starts when they were done.
        const start = s === firstSerialized && uploadDoneAt !== null ? Math.max(s.submittedAt, uploadDoneAt) : s.submittedAt;
        const parts: Record<string, number> = {};
        let gpu = 0;
        for (const p of s.passes) {
          const span = ticks ? Math.max(0, Number(ticks[p.query + 1]! - ticks[p.query]!) / 1e6) : 0;
          parts[p.stage] = (parts[p.stage] ?? 0) + span;
          gpu += span;
        }
        // A present sent ahead of a busy pump shares the GPU with the stage running then: no wall of its own.
        const wall = s.serialized ? Math.max(0, s.doneAt - start) : null;
        return { stage: s.stage, wallMs: wall, gpuMs: ticks && s.passes.length ? gpu : null, parts, passes: s.passes.length };
      });
      return { uploadDoneAt, uploadBytes, stages, timestamps: !!ticks };
    },
  };
  w.__scenesProfiler = handle;

  GPUAdapter.prototype.requestDevice = function (this: GPUAdapter, desc?: GPUDeviceDescriptor) {
    if (handle.wantTimestamps && this.features.has('timestamp-query')) {
      const features = [...(desc?.requiredFeatures ?? [])];
      if (!features.includes('timestamp-query')) features.push('timestamp-query');
      desc = { ...desc, requiredFeatures: features };
    }
    return orig.requestDevice.call(this, desc);
  };

  GPUDevice.prototype.createCommandEncoder = function (this: GPUDevice, desc?: GPUCommandEncoderDescriptor) {
    if (!active || this !== handle.device) return orig.createCommandEncoder.call(this, desc);
    const device = handle.device;
    const groups: Group[] = [];
    let cur = orig.createCommandEncoder.call(device, desc);
    let curStage = partOf(desc?.label ?? '');
    let curPasses: Pass[] = [];
    /** A pass has been encoded into `cur` (copies and clears before the first pass go with that pass's stage). */
    let curHasPass = false;
    const switchTo = (stage: string) => {
      if (stage === curStage) return;
      if (curHasPass) {
        groups.push({ stage: curStage, cb: cur.finish(), passes: curPasses });
        cur = orig.createCommandEncoder.call(device, desc);
        curPasses = [];
        curHasPass = false;
      }
      curStage = stage;
    };
    const timed = <T extends GPUComputePassDescriptor | GPURenderPassDescriptor>(d: T): T => {
      const label = d.label ?? '';
      const part = partOf(label);
      switchTo(groupOf(part));
      curHasPass = true;
      if (!querySet || nextQuery + 2 > QUERIES || d.timestampWrites) return d;
      const query = nextQuery;
      nextQuery += 2;
      curPasses.push({ label, stage: part, query });
      return { ...d, timestampWrites: { querySet, beginningOfPassWriteIndex: query, endOfPassWriteIndex: query + 1 } };
    };
    const stand = {
      // timed() may start a new encoder: call it before reading `cur`.
      beginComputePass: (d: GPUComputePassDescriptor = {}) => {
        const desc = timed(d);
        return cur.beginComputePass(desc);
      },
      beginRenderPass: (d: GPURenderPassDescriptor) => {
        const desc = timed(d);
        return cur.beginRenderPass(desc);
      },
      finish: (d?: GPUCommandBufferDescriptor) => {
        groups.push({ stage: curStage, cb: cur.finish(d), passes: curPasses });
        const last = groups[groups.length - 1]!.cb;
        expand.set(last, groups);
        return last;
      },
    };
    return new Proxy(stand, {
      get(target, prop) {
        if (prop in target) return target[prop as keyof typeof target];
        const v = (cur as unknown as Record<PropertyKey, unknown>)[prop];
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => (v as (...a: unknown[]) => unknown).apply(cur, args);
      },
    }) as unknown as GPUCommandEncoder;
  };

  GPUQueue.prototype.submit = function (this: GPUQueue, buffers: Iterable<GPUCommandBuffer>) {
    if (!mine(this)) return orig.submit.call(this, buffers);
    const q = handle.device!.queue;
    const groups = [...buffers].flatMap((cb) => expand.get(cb) ?? [{ stage: 'other', cb, passes: [] }]);
    const presents = groups.length > 1 ? groups.filter((g) => g.stage === 'present') : [];
    const rest = groups.filter((g) => !presents.includes(g));
    const ahead: Promise<unknown>[] = [];
    if (!busy && writesPending) {
      // The uploads go on their own (an empty submission carries them) and are waited for: the upload's time,
      // not the first stage's. Without it they would share the first stage's submission.
      writesPending = false;
      orig.submit.call(q, [orig.createCommandEncoder.call(handle.device!, { label: 'profiler.upload' }).finish()]);
      ahead.push((uploadDone = orig.onSubmittedWorkDone.call(q).then(() => performance.now())));
    }
    // Present draws into the canvas texture, which expires at the next frame: it cannot wait its turn. It goes now
    // (drawing the picture of the last render) and, when the pump is idle, the stages wait for it; no wall of its own.
    for (const g of presents) ahead.push(submitNow(q, g, false));
    if (busy) {
      for (const g of rest) queue.push({ group: g });
      return;
    }
    busy = true;
    if (ahead.length) {
      for (const g of rest) queue.push({ group: g });
      idle = Promise.all(ahead).then(() => pump(q));
      return;
    }
    // The first at once (inside the caller's error scopes); the rest behind it.
    const [first, ...others] = rest;
    for (const g of others) queue.push({ group: g });
    idle = (first ? submitNow(q, first, true) : Promise.resolve()).then(() => pump(q));
  };

  const copyOf = (data: unknown) => (ArrayBuffer.isView(data) ? new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) : (data as ArrayBuffer).slice(0));

  GPUQueue.prototype.writeTexture = function (this: GPUQueue, ...args: Parameters<GPUQueue['writeTexture']>) {
    if (!mine(this)) return orig.writeTexture.apply(this, args);
    const data = args[1] as ArrayBufferView | ArrayBuffer;
    uploadBytes += data.byteLength;
    if (busy) {
      const copy = [args[0], copyOf(data), args[2], args[3]] as Parameters<GPUQueue['writeTexture']>;
      queue.push({ write: () => orig.writeTexture.apply(this, copy) });
      return;
    }
    orig.writeTexture.apply(this, args);
    writesPending = true;
  };

  GPUQueue.prototype.writeBuffer = function (this: GPUQueue, ...args: Parameters<GPUQueue['writeBuffer']>) {
    if (!mine(this) || !busy) return orig.writeBuffer.apply(this, args);
    // (buffer, offset, data, dataOffset?, size?): data offsets are in elements for typed arrays; keep the view's type.
    const [buffer, offset, data, ...rest] = args;
    const copy = ArrayBuffer.isView(data) ? new (data.constructor as { new (b: ArrayBuffer): ArrayBufferView })(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) : (data as ArrayBuffer).slice(0);
    queue.push({ write: () => orig.writeBuffer.call(this, buffer, offset, copy as GPUAllowSharedBufferSource, ...(rest as [number?, number?])) });
  };

  GPUQueue.prototype.onSubmittedWorkDone = function (this: GPUQueue) {
    if (!mine(this)) return orig.onSubmittedWorkDone.call(this);
    return idle.then(() => orig.onSubmittedWorkDone.call(this));
  };

  GPUBuffer.prototype.mapAsync = function (this: GPUBuffer, ...args: Parameters<GPUBuffer['mapAsync']>) {
    if (!active || !busy) return orig.mapAsync.apply(this, args);
    return idle.then(() => orig.mapAsync.apply(this, args));
  };
}
