import { describe, expect, it } from 'vitest';
import { DEFAULT_QUALITY, parseArgs, USAGE } from './args';

const run = (argv: string[]) => {
  const r = parseArgs(argv);
  if (r.kind !== 'run') throw new Error(`expected options, got ${JSON.stringify(r)}`);
  return r.options;
};
const problem = (argv: string[]) => {
  const r = parseArgs(argv);
  if (r.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(r)}`);
  return r.problem;
};

describe('parseArgs', () => {
  it('reads the command of the README', () => {
    expect(run(['shoots', '--preset', 'preset.json', '--out', 'out'])).toEqual({ inputs: ['shoots'], preset: 'preset.json', out: 'out', formats: ['png'], quality: DEFAULT_QUALITY });
  });

  it('takes short flags, --flag=value and several inputs in order', () => {
    expect(run(['-o', 'out', 'a', '-p', 'x.json', 'b', '-f', 'jpeg', '-q', '80', 'c'])).toEqual({ inputs: ['a', 'b', 'c'], preset: 'x.json', out: 'out', formats: ['jpeg'], quality: 80 });
    expect(run(['--out=out', 'a', '--preset=p.json', 'b', '--format=exr', '--quality=80'])).toEqual({ inputs: ['a', 'b'], preset: 'p.json', out: 'out', formats: ['exr'], quality: 80 });
    // "=" belongs to the long forms only.
    expect(problem(['a', '-o', 'out', '-p=x.json'])).toBe('unknown option -p=x.json');
  });

  it('leaves the preset out when none is given (the editor defaults apply)', () => {
    expect(run(['sets', '-o', 'out']).preset).toBeNull();
  });

  it('reads formats as a list, repeated flags, aliases, any case; drops repeats, keeps order', () => {
    expect(run(['s', '-o', 'o', '-f', 'exr,PNG', '--format', 'jpg', '-f', 'png16, ultrahdr,exr']).formats).toEqual(['exr', 'png', 'jpeg', 'png16', 'uhdr']);
    expect(run(['s', '-o', 'o', '-f', 'png,jpeg,png16,exr,hdr']).formats).toEqual(['png', 'jpeg', 'png16', 'exr', 'hdr']);
  });

  it('refuses unknown formats and empty lists, naming the choices', () => {
    expect(problem(['s', '-o', 'o', '-f', 'png,webp'])).toBe('unknown format "webp" (choose from png, jpeg, png16, uhdr, exr, hdr)');
    expect(problem(['s', '-o', 'o', '-f', ','])).toBe('no format given after --format');
  });

  it('checks the JPEG quality', () => {
    expect(run(['s', '-o', 'o', '-q', '1']).quality).toBe(1);
    expect(run(['s', '-o', 'o', '--quality', '100']).quality).toBe(100);
    for (const q of ['0', '101', '90.5', 'high']) expect(problem(['s', '-o', 'o', '-q', q])).toMatch(/^--quality must be a whole number from 1 to 100/);
  });

  it('needs an input and an output folder', () => {
    expect(problem(['--out', 'o'])).toBe('no input folder given');
    expect(problem(['sets'])).toBe('no output folder: add --out <dir>');
  });

  it('says which flag lacks its value, rather than taking the next flag as one', () => {
    expect(problem(['s', '--out'])).toBe('--out needs a value');
    expect(problem(['s', '--out', '--preset', 'p.json'])).toBe('--out needs a value');
    expect(problem(['s', '--out='])).toBe('--out needs a value');
  });

  it('refuses unknown options and single-valued options given twice', () => {
    expect(problem(['s', '-o', 'o', '--jobs', '4'])).toBe('unknown option --jobs');
    expect(problem(['s', '-o', 'a', '--out', 'b'])).toBe('--out is given 2 times');
    expect(problem(['s', '-o', 'o', '-p', 'a.json', '-p', 'b.json'])).toBe('--preset is given 2 times');
  });

  it('takes names that start with a dash after --', () => {
    expect(run(['-o', 'out', '--', '-odd folder', '--help']).inputs).toEqual(['-odd folder', '--help']);
  });

  it('answers --help and -h anywhere', () => {
    expect(parseArgs(['s', '--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['-h'])).toEqual({ kind: 'help' });
    expect(USAGE).toMatch(/^Usage: hdr-batch /);
  });
});
