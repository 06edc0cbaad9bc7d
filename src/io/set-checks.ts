// What is wrong or worth saying about a set of decoded brackets, in words
// that name the files and say what to do: orientations that differ, sizes
// that differ, duplicate exposures, EXIF exposures the pixels contradict,
// and the decoders' notices (transparency, grey-scale, CMYK). Pure, no DOM;
// src/load.ts reports them.
import type { ResponseLuts } from '../engine/merge/response';
import { formatEv } from './exposure';
import { exifAfterRecovery, pixelEvs, type PixelImage } from './pixel-exposure';
import { ORIENTATION_WORDS } from './orient';

export const quote = (name: string) => `“${name}”`;

export interface SetMember {
  readonly name: string;
  /** As decoded, EXIF orientation applied. */
  readonly width: number;
  readonly height: number;
  /** The EXIF orientation the decoder applied (1: none). */
  readonly orientation: number;
}

/** A decoder's remark about one file, phrased to follow its name and a colon. */
export interface Notice {
  readonly text: string;
  readonly kind: 'info' | 'warning';
}

/** The value most members share (ties: the first member's), and the members that differ. */
function majority<T>(members: readonly T[], key: (m: T) => string): { common: T; odd: T[] } {
  const counts = new Map<string, number>();
  for (const m of members) counts.set(key(m), (counts.get(key(m)) ?? 0) + 1);
  let best = key(members[0]!);
  for (const [k, n] of counts) if (n > counts.get(best)!) best = k;
  return { common: members.find((m) => key(m) === best)!, odd: members.filter((m) => key(m) !== best) };
}

const list = (names: readonly string[]) => names.map(quote).join(', ');
const words = (o: number) => ORIENTATION_WORDS[o] ?? 'upright';
const shape = (m: SetMember) => (m.width > m.height ? 'landscape' : m.width < m.height ? 'portrait' : 'square');

/**
 * Brackets turned differently by their EXIF orientation (a camera's tilt
 * sensor can flip between frames when it points up or down): merged as
 * decoded they would lie across each other. Refused, saying which file and
 * how; null when all agree.
 */
export function orientationProblem(members: readonly SetMember[]): string | null {
  if (members.length < 2) return null;
  const { common, odd } = majority(members, (m) => String(m.orientation));
  if (odd.length === 0) return null;
  const o = odd[0]!;
  const they = odd.length > 1 ? { is: 'are', its: 'their', it: 'them' } : { is: 'is', its: 'its', it: 'it' };
  const names = list(odd.map((m) => m.name));
  const fix = `Rotate ${they.it} to match the others, or remove ${they.it} from the set.`;
  if (o.width === common.height && o.height === common.width && o.width !== o.height) {
    return `${names} ${they.is} ${shape(o)} (${o.width}×${o.height}), the others ${shape(common)} (${common.width}×${common.height}): ${they.its} EXIF orientation (${words(o.orientation)}) differs from theirs (${words(common.orientation)}). ${fix}`;
  }
  return `${names} ${they.is} ${words(o.orientation)} by ${they.its} EXIF orientation, the others ${words(common.orientation)}: merged together, the pictures would not line up. ${fix}`;
}

/** Brackets of different sizes: which, their sizes, the set's size, and what to do; null when all agree. */
export function sizeProblem(members: readonly SetMember[]): string | null {
  if (members.length < 2) return null;
  const { common, odd } = majority(members, (m) => `${m.width}×${m.height}`);
  if (odd.length === 0) return null;
  const others = members.filter((m) => !odd.includes(m));
  const shown = others.slice(0, 3).map((m) => m.name);
  const them = odd.length > 1 ? 'them' : 'it';
  return (
    `${odd.map((m) => `${quote(m.name)} is ${m.width}×${m.height}`).join(', ')} but the other brackets are ${common.width}×${common.height} (${list(shown)}${others.length > 3 ? ', …' : ''}): ` +
    `all brackets of a set must have the same size. Remove ${them}, or export the whole set again at one size (cropping or scaling one bracket alone would shift it against the others).`
  );
}

/** Brackets whose EXIF gives the same exposure (within 0.05 EV): kept, with a warning naming them; null when none. */
export function duplicatesMessage(names: readonly string[], evs: readonly number[]): string | null {
  const groups: number[][] = [];
  const order = evs.map((_, i) => i).sort((i, j) => evs[i]! - evs[j]!);
  for (const i of order) {
    const g = groups[groups.length - 1];
    if (g && Math.abs(evs[g[0]!]! - evs[i]!) < 0.05) g.push(i);
    else groups.push([i]);
  }
  const dups = groups.filter((g) => g.length > 1);
  if (dups.length === 0) return null;
  const parts = dups.map((g) => `${g.map((i) => quote(names[i]!)).join(' and ')} have the same exposure (${formatEv(evs[g[0]!]!)})`);
  return `${parts.join('; ')}: a duplicate adds no dynamic range. All are kept (merging equal exposures only averages their noise); remove one if it was added twice by mistake.`;
}

const evParts = (names: readonly string[], exifEvs: readonly number[], pixEvs: readonly number[], odd: readonly number[]) =>
  odd.map((i) => `${quote(names[i]!)} is ${formatEv(exifEvs[i]!)} by its EXIF but ${formatEv(pixEvs[i]!)} by its pixels`).join('; ');

/** The EXIF exposures whose order the pixels contradict, both EVs per file named, and what the app does. */
export function contradictionMessage(names: readonly string[], exifEvs: readonly number[], pixEvs: readonly number[], odd: readonly number[]): string {
  return `The EXIF exposures contradict the pictures: ${evParts(names, exifEvs, pixEvs, odd)}. Using the exposures measured from the pixels; correct them in the strip below if needed.`;
}

/** A bracket as the check after recovery reads it: its pixels, EV (darkest first) and whether that EV came from its EXIF. */
export interface RecoveredFrame extends PixelImage {
  readonly name: string;
  readonly ev: number;
  readonly fromExif: boolean;
}

/**
 * The EXIF exposures the pixels still contradict once read through the
 * recovered curves, as a warning naming each file and both EVs; null when
 * they agree, cannot be compared, or some EV is not from EXIF. The app
 * (src/recover.ts) and the CLI (src/cli/batch.ts) both say it; the EXIF
 * exposures stay in use.
 */
export function checkExifAfterRecovery(frames: readonly RecoveredFrame[], luts: ResponseLuts): string | null {
  if (frames.length < 2 || frames.some((f) => !f.fromExif)) return null;
  const measured = pixelEvs(frames, luts);
  if (!measured) return null;
  const exif = frames.map((f) => f.ev - frames[0]!.ev);
  const odd = exifAfterRecovery(exif, measured);
  return odd.length
    ? recoveredContradictionMessage(
        frames.map((f) => f.name),
        exif,
        measured,
        odd,
      )
    : null;
}

/** EXIF exposures the pixels disagree with even through the camera response recovered from the set: the files named with both EVs; the EXIF stays in use. */
export function recoveredContradictionMessage(names: readonly string[], exifEvs: readonly number[], pixEvs: readonly number[], odd: readonly number[]): string {
  const one = odd.length === 1;
  return (
    `Read through the camera response recovered from the set, ${evParts(names, exifEvs, pixEvs, odd)}: ` +
    `${one ? 'its EXIF exposure looks wrong (rewritten, or a frame from another sequence)' : 'their EXIF exposures look wrong (rewritten, or frames from another sequence)'}. ` +
    `Using the EXIF exposures; correct ${one ? 'it' : 'them'} in the strip below if needed.`
  );
}

/** The decoders' notices, one message per notice text naming every file it is about. */
export function noticeMessages(names: readonly string[], notices: readonly (readonly Notice[])[]): Notice[] {
  const byText = new Map<string, { kind: Notice['kind']; files: string[] }>();
  notices.forEach((ns, i) =>
    ns.forEach((n) => {
      const entry = byText.get(n.text) ?? { kind: n.kind, files: [] };
      entry.files.push(names[i]!);
      byText.set(n.text, entry);
    }),
  );
  return [...byText].map(([text, { kind, files }]) => ({ text: `${list(files)}: ${text}`, kind }));
}

/** A set found moving (engine/deghost/motion.ts): how much of the picture, and that deghosting was turned on. */
export function ghostMessage(fraction: number, strength: number): string {
  const pct = fraction < 0.1 ? (100 * fraction).toFixed(1) : (100 * fraction).toFixed(0);
  return `Moving objects found in ${pct} % of the picture: deghosting on (strength ${strength.toFixed(2)}). Set Deghost to 0 to turn it off.`;
}

/** Brackets that disagree over most of the picture (beyond what moving objects do): what it means and what to check. */
export function disagreementMessage(fraction: number): string {
  return `The brackets disagree over ${(100 * fraction).toFixed(0)} % of the picture, more than moving objects do: their exposure times or the camera response do not match the pictures. Deghosting stays off; check each bracket’s EV in the strip below, or pick the camera response by hand.`;
}
