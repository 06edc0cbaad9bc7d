// The tweakpane panel, generated from the param declarations in
// src/engine/params.ts: no range or label is written here.
import { useEffect, useRef } from 'react';
import { Pane } from 'tweakpane';
import { PARAM_NAMES, PARAMS, paramVisible, type ParamName, type ParamSpec, type Params } from '../engine/params';
import type { Mode } from '../engine/types';
import { useEdit, useHandles } from './context';

const TEST_IDS: Partial<Record<ParamName, string>> = { toneOperator: 'operator', deghost: 'deghost' };

export function ParamPane() {
  const { store, history } = useHandles();
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const pane = new Pane({ container: host.current! });
    const model: Params = { ...store.getState().params };
    /** Set while the panel takes values from the store: refresh() emits 'change' too, and that is no edit. */
    let syncing = false;
    const bindings = PARAM_NAMES.map((name) => {
      const spec: ParamSpec = PARAMS[name];
      const binding = spec.options
        ? pane.addBinding(model, name, { label: spec.label, options: Object.fromEntries(spec.options.map((label, i) => [label, i])) })
        : pane.addBinding(model, name, { label: spec.label, min: spec.min, max: spec.max, step: spec.step });
      // The operator picker and the deghost strength carry the names the issues' test hooks give them.
      binding.element.dataset.testid = TEST_IDS[name] ?? `param-${name}`;
      // A drag is one undo step: its moves (ev.last false) are a gesture that the release commits.
      binding.on('change', (ev) => {
        if (syncing) return;
        if (!ev.last) history.begin();
        store.getState().setParam(name, ev.value);
        if (ev.last) history.end();
      });
      return { name, binding };
    });
    // The automatic look (engine/tonemap/auto-look.ts): range compression and white point from the radiance map, or fusion's
    // highlight roll-off and shadow toe from the fused image, again after edits.
    const auto = pane.addButton({ title: 'Auto' });
    auto.element.dataset.testid = 'auto-look';
    auto.element.title = 'Set the look from the picture, so what the brackets captured is kept: range compression and white point (merge), highlight roll-off and shadow toe (fusion)';
    auto.on('click', () => store.getState().setLook('auto'));
    pane.addButton({ title: 'Reset' }).on('click', () => store.getState().resetParams());
    // Each mode and operator shows its own params; the others keep their values.
    const show = ({ mode, operator }: { mode: Mode; operator: number }) => {
      pane.title = mode === 'fusion' ? 'Exposure fusion' : 'Tone mapping';
      for (const { name, binding } of bindings) binding.hidden = !paramVisible(name, mode, operator);
    };
    const shown = (s: { mode: Mode; params: Params }) => ({ mode: s.mode, operator: s.params.toneOperator });
    show(shown(store.getState()));
    const unsubMode = store.subscribe(shown, show, { equalityFn: (a, b) => a.mode === b.mode && a.operator === b.operator });
    // Changes from elsewhere (reset, automation) flow back into the panel.
    const unsub = store.subscribe(
      (s) => s.params,
      (p) => {
        if (PARAM_NAMES.every((n) => model[n] === p[n])) return;
        Object.assign(model, p);
        syncing = true;
        try {
          pane.refresh();
        } finally {
          syncing = false;
        }
      },
    );
    return () => {
      unsub();
      unsubMode();
      pane.dispose();
    };
  }, [store, history]);

  return <div className="param-pane" ref={host} />;
}

/** What the merge found, and where it ran. */
export function SceneInfo() {
  const scene = useEdit((s) => s.scene);
  const gpu = useEdit((s) => s.gpu);
  return (
    <dl className="scene-info" data-testid="scene-info">
      {scene?.rangeEv !== undefined && (
        <>
          <dt>Scene dynamic range</dt>
          <dd title="Between the 0.1 % and 99.9 % luminance percentiles">{scene.rangeEv.toFixed(1)} stops</dd>
        </>
      )}
      <dt>GPU</dt>
      <dd>{gpu.state === 'ready' ? gpu.adapter : gpu.state === 'starting' ? 'starting…' : 'unavailable'}</dd>
    </dl>
  );
}
