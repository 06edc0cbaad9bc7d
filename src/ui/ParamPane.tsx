// The tweakpane panel, generated from the param declarations in
// src/engine/params.ts: no range or label is written here.
import { useEffect, useRef } from 'react';
import { Pane } from 'tweakpane';
import { PARAM_NAMES, PARAMS, type Params } from '../engine/params';
import type { Mode } from '../engine/types';
import { useEdit, useHandles } from './context';

export function ParamPane() {
  const { store } = useHandles();
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const pane = new Pane({ container: host.current! });
    const model: Params = { ...store.getState().params };
    const bindings = PARAM_NAMES.map((name) => {
      const spec = PARAMS[name];
      const binding = pane.addBinding(model, name, { label: spec.label, min: spec.min, max: spec.max, step: spec.step });
      binding.element.dataset.testid = `param-${name}`;
      binding.on('change', (ev) => store.getState().setParam(name, ev.value));
      return { name, binding };
    });
    pane.addButton({ title: 'Reset' }).on('click', () => store.getState().resetParams());
    // Each mode shows its own params; the others keep their values.
    const showMode = (mode: Mode) => {
      pane.title = mode === 'fusion' ? 'Exposure fusion' : 'Tone mapping';
      for (const { name, binding } of bindings) binding.hidden = !PARAMS[name].modes.includes(mode);
    };
    showMode(store.getState().mode);
    const unsubMode = store.subscribe((s) => s.mode, showMode);
    // Changes from elsewhere (reset, automation) flow back into the panel.
    const unsub = store.subscribe(
      (s) => s.params,
      (p) => {
        if (PARAM_NAMES.every((n) => model[n] === p[n])) return;
        Object.assign(model, p);
        pane.refresh();
      },
    );
    return () => {
      unsub();
      unsubMode();
      pane.dispose();
    };
  }, [store]);

  return <div className="param-pane" ref={host} />;
}

/** What the merge found, and where it ran. */
export function SceneInfo() {
  const scene = useEdit((s) => s.scene);
  const gpu = useEdit((s) => s.gpu);
  return (
    <dl className="scene-info" data-testid="scene-info">
      {scene && (
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
