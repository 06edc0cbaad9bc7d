// A file the app cannot use, said in words that follow its name in a message
// ("“a.tif” has 12-bit samples; …"): the decoders throw it, the decode worker
// passes its message on as it is and wraps anything else.
export class FileProblem extends Error {
  override name = 'FileProblem';
}
