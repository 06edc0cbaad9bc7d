// hdr-batch: the entry Vite builds into dist-cli/hdr-batch.mjs (see
// vite.cli.config.ts; bin/hdr-batch.mjs runs it). Parses the command line and
// hands over to runBatch.
import { parseArgs, USAGE } from './args';
import { runBatch } from './batch';

async function main(): Promise<number> {
  const parsed = parseArgs(process.argv.slice(2));
  if (parsed.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (parsed.kind === 'error') {
    process.stderr.write(`hdr-batch: ${parsed.problem}\n${USAGE.split('\n')[0]}\n(hdr-batch --help for more)\n`);
    return 2;
  }
  return runBatch(parsed.options, { err: process.stderr, out: process.stdout });
}

main().then(
  // Exit explicitly: Dawn can keep Node's event loop alive after its devices are destroyed.
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`hdr-batch: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
