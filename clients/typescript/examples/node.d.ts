// The little of Node.js the example uses (the client itself needs only fetch, so the package
// does not depend on @types/node).
declare const process: {
  readonly env: Record<string, string | undefined>;
  exitCode?: number;
};
