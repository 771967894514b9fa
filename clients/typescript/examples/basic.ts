// The README's example, compiled with the client (tsc --strict) and run against a server by
// scripts/ts-client: sign up an agency, log in, create hosts, list them page by page, schedule a
// live session (with an Idempotency-Key), and handle the problem+json refusals of the API.
//
//   MCN_BASE_URL=http://127.0.0.1:8080 node dist/examples/basic.js
//
// It signs up a new agency on every run (the server must allow sign-up, as development does) and
// exits non-zero when any answer is not the expected one.
import {
  allItems,
  createMcnClient,
  isProblemError,
  unwrap,
  type Influencer,
  type LiveSession,
  type McnClient,
} from "@mcn/client";

const baseUrl = process.env.MCN_BASE_URL ?? "http://127.0.0.1:8080";
const password = "correct horse battery staple";

/** Fails the example with `message` unless `condition` holds. */
function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`unexpected: ${message}`);
}

/** Logs in `email` on a new client and answers it. */
async function logIn(email: string): Promise<McnClient> {
  const mcn = createMcnClient({ baseUrl });
  const tokens = await unwrap(mcn.POST("/v1/auth/login", { body: { email, password } }));
  mcn.setAccessToken(tokens.access_token);
  return mcn;
}

/** A Chinese resident id number born on `birth` (YYYYMMDD), with its check digit. */
function residentId(birth: string, sequence: string): string {
  const first17 = `440305${birth}${sequence}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (weights[i] ?? 0);
  return first17 + "10X98765432"[sum % 11];
}

/** Creates a human host with a Douyin account; answers the host and the account's id. */
async function createHost(mcn: McnClient, stageName: string, handle: string) {
  const host = await unwrap(
    mcn.POST("/v1/influencers", { body: { kind: "human", stage_name: stageName, languages: ["zh-CN"] } }),
  );
  const account = await unwrap(
    mcn.POST("/v1/influencers/{id}/platform-accounts", {
      params: { path: { id: host.id } },
      body: { platform: "douyin", handle, platform_user_id: `dy-${crypto.randomUUID()}` },
    }),
  );
  return { host, accountId: account.id };
}

async function main(): Promise<void> {
  // 1. Sign up an agency and log in as its owner.
  const email = `owner-${crypto.randomUUID()}@example.test`;
  const signup = await unwrap(
    createMcnClient({ baseUrl }).POST("/v1/auth/signup", {
      body: { agency_name: "Example Agency", email, password },
    }),
  );
  console.log(`signed up agency ${signup.agency.name} (${signup.agency.time_zone})`);
  const owner = await logIn(email);

  // A compliance officer verifies identities (never the person who submitted them).
  await unwrap(
    owner.POST("/v1/users", {
      body: { email: `compliance-${email}`, password, display_name: "Compliance", role: "compliance" },
    }),
  );
  const compliance = await logIn(`compliance-${email}`);

  // 2. Two hosts: one with a verified real-name identity, one without.
  const mei = await createHost(owner, "Mei", "@mei");
  const newcomer = await createHost(owner, "New Face", "@newface");
  await unwrap(
    owner.PUT("/v1/influencers/{id}/identity", {
      params: { path: { id: mei.host.id } },
      body: { real_name: "王小美", document_type: "cn_resident_id", document_number: residentId("19900101", "101") },
    }),
  );
  const identity = await unwrap(
    compliance.POST("/v1/influencers/{id}/identity/verify", { params: { path: { id: mei.host.id } } }),
  );
  expect(identity.verification_state === "verified", `identity ${identity.verification_state}`);

  // 3. List the hosts, one per page, following next_cursor.
  const hosts: Influencer[] = [];
  for await (const host of allItems((cursor) =>
    unwrap(owner.GET("/v1/influencers", { params: { query: { limit: 1, cursor } } })),
  )) {
    hosts.push(host);
  }
  console.log(`hosts: ${hosts.map((h) => `${h.stage_name} (${h.identity_state})`).join(", ")}`);
  expect(hosts.length === 2, `${hosts.length} hosts listed`);

  // 4. Schedule a session tomorrow. The Idempotency-Key makes a retry safe: the same key and body
  //    answer the first answer again instead of scheduling twice.
  const start = new Date(Date.now() + 24 * 3600 * 1000);
  start.setUTCMinutes(0, 0, 0);
  const end = new Date(start.getTime() + 2 * 3600 * 1000);
  const body = {
    influencer_id: mei.host.id,
    platform_account_id: mei.accountId,
    title: "Autumn skincare",
    scheduled_start: start.toISOString(),
    scheduled_end: end.toISOString(),
    language: "zh-CN",
  };
  const key = crypto.randomUUID();
  const schedule = () =>
    owner.POST("/v1/live-sessions", { params: { header: { "Idempotency-Key": key } }, body });
  const session: LiveSession = await unwrap(schedule());
  const replayed = await unwrap(schedule());
  console.log(`scheduled ${session.title} at ${session.scheduled_start} (${session.state})`);
  expect(replayed.id === session.id, "a retry with the same key scheduled another session");

  // 5. Errors are problem+json documents with a stable code. Either read `error` ...
  const overlap = await owner.POST("/v1/live-sessions", {
    params: { header: { "Idempotency-Key": crypto.randomUUID() } },
    body: { ...body, title: "Overlapping" },
  });
  if (overlap.error) {
    console.log(`refused: ${overlap.error.status} ${overlap.error.code}: ${overlap.error.detail}`);
  }
  expect(overlap.error?.code === "session_overlap", `overlap answered ${overlap.response.status}`);

  // ... or let unwrap throw McnProblemError: a host without a verified identity may not be
  //    scheduled, and the 422 lists every rule the request breaks.
  try {
    await unwrap(
      owner.POST("/v1/live-sessions", {
        params: { header: { "Idempotency-Key": crypto.randomUUID() } },
        body: { ...body, influencer_id: newcomer.host.id, platform_account_id: newcomer.accountId },
      }),
    );
    expect(false, "an unverified host was scheduled");
  } catch (error) {
    if (!isProblemError(error, "compliance_violation")) throw error;
    console.log(`refused: ${error.status} ${error.code}: ${error.problem.detail}`);
    for (const violation of error.violations) {
      console.log(`  - ${violation.code} (blocks ${violation.blocks}): ${violation.message}`);
    }
    expect(error.status === 422, `compliance refusal with status ${error.status}`);
    expect(
      error.violations.some((v) => v.code === "identity_unverified"),
      "the refusal does not name identity_unverified",
    );
  }
  console.log("the example ran as expected");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
