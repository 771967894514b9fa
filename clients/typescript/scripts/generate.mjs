// Generates src/schema.ts from the OpenAPI document: the repository's snapshot
// (../../tests/openapi.json) by default, or the file or URL in MCN_OPENAPI, e.g.
// MCN_OPENAPI=http://127.0.0.1:8080/openapi.json npm run generate
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL("..", import.meta.url));
const source = process.env.MCN_OPENAPI || "../../tests/openapi.json";
const cli = fileURLToPath(new URL("../node_modules/openapi-typescript/bin/cli.js", import.meta.url));
execFileSync(process.execPath, [cli, source, "--output", "src/schema.ts"], {
  cwd: here,
  stdio: "inherit",
});
