// A one-pixel bracket entry for the store's and the bridge's unit tests.
import type { BracketEntry } from '../../src/state/store';

export const bracketEntry = (id: string, ev: number): BracketEntry => ({
  id,
  name: `${id}.jpg`,
  width: 1,
  height: 1,
  pixels: new Uint8ClampedArray(4),
  thumb: null,
  exif: null,
  exifSegment: null,
  ev,
  evSource: 'exif',
});
