// A small client written against the types openapi-typescript generates from /openapi.json.
// scripts/contract-test type-checks it with `tsc --strict`: if the document stops describing
// what a frontend relies on (enum spellings, paths, bodies, answers, error shapes), this fails.
import type { components, operations, paths } from "./generated/api";

type Schemas = components["schemas"];
type Problem = Schemas["Problem"];

/** The JSON answer of `status` for an operation. */
type Answer<Op, Status extends number> = Op extends {
  responses: { [S in Status]: { content: { "application/json": infer Body } } };
}
  ? Body
  : never;

class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
  }
}

class Client {
  constructor(
    private readonly base: string,
    private token?: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown, query?: object): Promise<T> {
    const url = new URL(path, this.base);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (this.token) headers["Authorization"] = `Bearer ${this.token}`;
    const response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
    });
    if (!response.ok) throw new ApiError((await response.json()) as Problem);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  async login(body: Schemas["LoginRequest"]): Promise<Answer<operations["login"], 200>> {
    const tokens = await this.call<Answer<operations["login"], 200>>("POST", "/v1/auth/login", body);
    this.token = tokens.access_token;
    return tokens;
  }

  listInfluencers(
    query: NonNullable<paths["/v1/influencers"]["get"]["parameters"]["query"]>,
  ): Promise<Schemas["Page_InfluencerDetail"]> {
    return this.call("GET", "/v1/influencers", undefined, query);
  }

  createInfluencer(body: Schemas["CreateInfluencerRequest"]): Promise<Schemas["InfluencerView"]> {
    return this.call("POST", "/v1/influencers", body);
  }

  createUser(body: Schemas["CreateUserRequest"]): Promise<Schemas["UserView"]> {
    return this.call("POST", "/v1/users", body);
  }

  createSale(body: Schemas["SaleRequest"]): Promise<Schemas["SaleView"]> {
    return this.call("POST", "/v1/sales", body);
  }

  gmv(
    query: paths["/v1/reports/gmv"]["get"]["parameters"]["query"],
  ): Promise<Answer<operations["gmv_report"], 200>> {
    return this.call("GET", "/v1/reports/gmv", undefined, query);
  }
}

// The values a frontend sends are the values the document declares, spelled as on the wire.
const role: Schemas["Role"] = "compliance";
const kind: Schemas["InfluencerKind"] = "virtual";
const platform: Schemas["Platform"] = "wechat_channels";

async function example(client: Client): Promise<string[]> {
  await client.login({ email: "owner@example.com", password: "correct horse battery" });
  await client.createUser({
    email: "analyst@example.com",
    password: "correct horse battery",
    display_name: "Analyst",
    role,
  });
  const host = await client.createInfluencer({ kind, stage_name: "Xiao Mei" });
  const page = await client.listInfluencers({ kind: "human", platform, limit: 200 });
  const names = page.items.map((h: Schemas["InfluencerDetail"]) => `${h.stage_name} (${h.status})`);
  const next: string | null | undefined = page.next_cursor;
  const sale = await client.createSale({
    platform: "douyin",
    external_order_id: "6912345678901234567",
    sold_at: "2026-11-29T12:00:00+08:00",
    influencer_id: host.id,
    sku: "SKU-1",
    quantity: 2,
    unit_price: "199.00",
  });
  const gross: string = sale.gross;
  try {
    await client.gmv({ from: "2026-11-01", to: "2026-12-01", group_by: "platform,day" });
  } catch (error) {
    if (error instanceof ApiError) {
      const fields = error.problem.errors.map((e: Schemas["FieldError"]) => `${e.field}: ${e.code}`);
      names.push(...fields);
    }
  }
  return [...names, next ?? "", gross];
}

export { Client, example };
