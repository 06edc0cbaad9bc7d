// The toolbar's edit controls: undo/redo (buttons and Ctrl/Cmd+Z,
// Shift+Ctrl/Cmd+Z, Ctrl+Y), and the Session menu: presets saved to and
// loaded from JSON files, the autosave's state, and Forget.
import { useEffect, useId, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { saveBlob } from '../io/encode';
import { presetFileName, presetJson, readPreset } from '../io/preset';
import { snapshotOf, type History } from '../state/history';
import type { SaveStatus } from '../state/persist';
import type { EditStore } from '../state/store';
import { useHandles } from './context';

const mac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
const MOD = mac ? '⌘' : 'Ctrl+';

/** Inputs where Ctrl+Z belongs to the text being typed. */
const NOT_TEXT = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file', 'image']);
function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target instanceof HTMLInputElement) return !NOT_TEXT.has(target.type);
  return target instanceof HTMLTextAreaElement || target.isContentEditable;
}

/** Undo/redo from the keyboard, anywhere but in a text field. */
function useUndoKeys(history: History): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || typing(e.target)) return;
      const key = e.key.toLowerCase();
      // e.code as well where the layout's key is not a Latin letter (Cyrillic, Greek…).
      const latin = /^[a-z]$/.test(key);
      const z = key === 'z' || (!latin && e.code === 'KeyZ');
      const y = key === 'y' || (!latin && e.code === 'KeyY');
      if (z && !e.shiftKey) history.undo();
      else if ((z && e.shiftKey) || (y && !e.shiftKey)) history.redo();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [history]);
}

/** Read a preset file; apply it as one undo step, or say why not and change nothing. */
async function loadPreset(store: EditStore, history: History, file: File): Promise<void> {
  const { report } = store.getState();
  const r = await readPreset(file);
  if (!r.ok) {
    report(`Preset “${file.name}” was not loaded: ${r.problem}. The current settings are unchanged.`);
    return;
  }
  const notes = [...r.notes];
  const edit = { ...r.edit };
  if (store.getState().radiance && edit.mode === 'fusion') {
    edit.mode = 'merge';
    notes.push('its mode is fusion, which needs brackets: a radiance map is open, so the mode stays HDR merge');
  }
  history.apply(edit);
  if (notes.length) report(`Preset “${file.name}” loaded; ${notes.join('; ')}.`, 'warning');
  else report(`Preset “${file.name}” loaded.`, 'info');
}

const STATUS: Record<SaveStatus, { text: string; title: string }> = {
  idle: { text: '', title: '' },
  pending: { text: 'Saving…', title: 'The edit is being kept in this browser' },
  saved: { text: 'Saved', title: 'The edit and the pictures are kept in this browser: a reload brings them back' },
  failed: { text: 'Not saved', title: 'This browser refused to keep the edit (see the message); it will not survive a reload' },
  forgotten: { text: 'Not kept', title: 'Nothing is kept in this browser; the next edit is saved again' },
};

export function EditMenu() {
  const { store, history, session } = useHandles();
  const canUndo = useStore(history.state, (s) => s.canUndo);
  const canRedo = useStore(history.state, (s) => s.canRedo);
  const status = useStore(session.state, (s) => s.status);
  const input = useRef<HTMLInputElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const [open, setOpen] = useState(false);
  const menuId = useId();
  useUndoKeys(history);

  // The menu closes on a click elsewhere or Escape.
  useEffect(() => {
    if (!open) return;
    const away = (e: PointerEvent) => {
      if (!box.current?.contains(e.target as Node)) setOpen(false);
    };
    const escape = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('pointerdown', away);
    document.addEventListener('keydown', escape);
    return () => {
      document.removeEventListener('pointerdown', away);
      document.removeEventListener('keydown', escape);
    };
  }, [open]);

  // Undo/redo sit in the toolbar; presets and the autosave in a menu under
  // "Session", which overlays the page: the toolbar stays one line high, so
  // the canvas keeps its size.
  return (
    <div className="edit-menu" role="group" aria-label="Edit">
      <button type="button" data-testid="undo" disabled={!canUndo} title={`Undo (${MOD}Z)`} aria-label="Undo" onClick={() => history.undo()}>
        ↶
      </button>
      <button type="button" data-testid="redo" disabled={!canRedo} title={`Redo (${mac ? '⇧⌘Z' : 'Ctrl+Shift+Z or Ctrl+Y'})`} aria-label="Redo" onClick={() => history.redo()}>
        ↷
      </button>
      <div className="session" ref={box}>
        <button
          type="button"
          data-testid="session-menu"
          aria-expanded={open}
          aria-controls={menuId}
          title={`Presets, and the session kept in this browser${STATUS[status].text ? ` (${STATUS[status].text.toLowerCase()})` : ''}`}
          onClick={() => setOpen((o) => !o)}
        >
          Session ▾
        </button>
        <div className="session-menu" id={menuId} hidden={!open}>
          <button
            type="button"
            data-testid="preset-save"
            title="Save the settings (mode, parameters, curves, camera response, alignment) as a preset file"
            onClick={() => {
              setOpen(false);
              const s = store.getState();
              saveBlob(new Blob([presetJson(snapshotOf(s))], { type: 'application/json' }), presetFileName(s.setName));
            }}
          >
            Save preset
          </button>
          <button
            type="button"
            data-testid="preset-load"
            title="Apply the settings of a preset file (one undo step)"
            onClick={() => {
              setOpen(false);
              input.current?.click();
            }}
          >
            Load preset…
          </button>
          <input
            ref={input}
            type="file"
            accept=".json,application/json"
            data-testid="preset-input"
            hidden
            onChange={(e) => {
              const file = e.currentTarget.files?.[0];
              e.currentTarget.value = '';
              if (file) void loadPreset(store, history, file);
            }}
          />
          <p className="session-status">
            Autosave:{' '}
            <span className="autosave" data-testid="autosave" data-state={status} title={STATUS[status].title}>
              {STATUS[status].text || 'nothing to save yet'}
            </span>
          </p>
          <button
            type="button"
            data-testid="forget"
            title="Delete the pictures and settings this browser keeps for the next visit"
            onClick={() => {
              setOpen(false);
              void session.forget();
            }}
          >
            Forget the kept session
          </button>
        </div>
      </div>
    </div>
  );
}
