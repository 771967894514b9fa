/**
 * A typed client of the mcn API.
 *
 * The types come from the OpenAPI document (`npm run generate` writes `src/schema.ts` with
 * openapi-typescript); the requests go through openapi-fetch, so every path, parameter, body
 * and answer is checked by the compiler against the document:
 *
 * ```ts
 * const mcn = createMcnClient({ baseUrl: "https://mcn.example.com" });
 * const tokens = await unwrap(mcn.POST("/v1/auth/login", { body: { email, password } }));
 * mcn.setAccessToken(tokens.access_token);
 * const page = await unwrap(mcn.GET("/v1/influencers", { params: { query: { limit: 50 } } }));
 * ```
 */
import createClient, { type Client, type ClientOptions, type Middleware } from "openapi-fetch";
import type { components, operations, paths } from "./schema.js";

export type { components, operations, paths };

/** A schema of the document by its name, e.g. `Schema<"InfluencerView">`. */
export type Schema<Name extends keyof components["schemas"]> = components["schemas"][Name];

/** A host (an influencer) as answered. */
export type Influencer = Schema<"InfluencerView">;
/** A live session as answered. */
export type LiveSession = Schema<"SessionView">;
/** The body that schedules a live session. */
export type CreateLiveSession = Schema<"CreateSessionRequest">;
/** One of a host's platform accounts. */
export type PlatformAccount = Schema<"PlatformAccount">;
/** A user of the agency. */
export type User = Schema<"UserView">;
/** A sale line. */
export type Sale = Schema<"SaleView">;
/** A product. */
export type Product = Schema<"ProductView">;
/** The pair of tokens login and refresh answer. */
export type Tokens = Schema<"TokenResponse">;
/** A field-level problem inside a {@link Problem}. */
export type FieldError = Schema<"FieldError">;
/** One broken compliance rule (inside a `compliance_violation` problem, or a session's state). */
export type Violation = Schema<"Violation">;
/** The stable code of a compliance rule. */
export type ViolationCode = Schema<"ViolationCode">;

/**
 * An `application/problem+json` answer (RFC 9457), as every error of the API carries it:
 * `{type, title, status, detail, code, errors: [{field, code, message}], violations?}`.
 * Branch on `code`, never on the text.
 */
export type Problem = Schema<"Problem">;

/** One page of a list: `{items, next_cursor}`; pass `next_cursor` as `cursor` for the next. */
export interface Page<Item> {
  items: Item[];
  next_cursor?: string | null;
}

/** The options of {@link createMcnClient}. */
export interface McnClientOptions {
  /** Where the API is served, without `/v1`, e.g. `https://mcn.example.com`. */
  baseUrl: string;
  /**
   * The access token sent as `Authorization: Bearer …`: a token, or a function answering the
   * current one (e.g. from a store that refreshes it). {@link McnClient.setAccessToken} replaces it.
   */
  accessToken?: string | (() => string | undefined | Promise<string | undefined>);
  /** A `fetch` to use instead of the global one (tests, instrumentation). */
  fetch?: ClientOptions["fetch"];
  /** Headers sent with every request. */
  headers?: ClientOptions["headers"];
}

/** The openapi-fetch client over the document's paths, and a way to change its token. */
export type McnClient = Client<paths> & {
  /** Sends `token` from now on (`undefined`: none, e.g. after logging out). */
  setAccessToken(token: McnClientOptions["accessToken"]): void;
};

/** Creates a client of the API at `baseUrl`, sending the access token when there is one. */
export function createMcnClient(options: McnClientOptions): McnClient {
  let accessToken = options.accessToken;
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  });
  const auth: Middleware = {
    async onRequest({ request }) {
      const token = typeof accessToken === "function" ? await accessToken() : accessToken;
      if (token && !request.headers.has("Authorization")) {
        request.headers.set("Authorization", `Bearer ${token}`);
      }
      return request;
    },
  };
  client.use(auth);
  return Object.assign(client, {
    setAccessToken(token: McnClientOptions["accessToken"]) {
      accessToken = token;
    },
  });
}

/** Whether `value` is a problem document (the `error` of a failed call usually is). */
export function isProblem(value: unknown): value is Problem {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.type === "string" &&
    typeof v.title === "string" &&
    typeof v.status === "number" &&
    typeof v.code === "string" &&
    Array.isArray(v.errors)
  );
}

/** A failed call: the answer's problem document, its status and code. */
export class McnProblemError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The problem's stable code (`unexpected_response` when the answer was not a problem). */
  readonly code: string;

  constructor(
    /** The problem document the server answered (or one made up for a non-problem answer). */
    readonly problem: Problem,
    /** The HTTP answer. */
    readonly response?: Response,
  ) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
    this.name = "McnProblemError";
    this.status = problem.status;
    this.code = problem.code;
  }

  /** The compliance rules a `compliance_violation` names (empty otherwise). */
  get violations(): Violation[] {
    return this.problem.violations ?? [];
  }
}

/** Whether `error` is a {@link McnProblemError}, optionally with one of `codes`. */
export function isProblemError(error: unknown, ...codes: string[]): error is McnProblemError {
  return error instanceof McnProblemError && (codes.length === 0 || codes.includes(error.code));
}

/** What an openapi-fetch call answers: data on success, error otherwise. */
export interface CallResult<Data, Error> {
  data?: Data;
  error?: Error;
  response: Response;
}

/**
 * The data of a successful call, or a thrown {@link McnProblemError} carrying the problem
 * document of a failed one. An answer without a problem document (a proxy's 502, say) becomes a
 * problem with code `unexpected_response`. A 204 answers `undefined`.
 */
export async function unwrap<Data, Error>(
  call: CallResult<Data, Error> | Promise<CallResult<Data, Error>>,
): Promise<Data> {
  const { data, error, response } = await call;
  if (response.ok) return data as Data;
  if (isProblem(error)) throw new McnProblemError(error, response);
  throw new McnProblemError(
    {
      type: "about:blank",
      title: response.statusText,
      status: response.status,
      detail: typeof error === "string" && error !== "" ? error : `HTTP ${response.status}`,
      code: "unexpected_response",
      errors: [],
    },
    response,
  );
}

/**
 * Every item of a list, page after page: `fetchPage(cursor)` answers one page (the first with
 * `cursor` undefined).
 *
 * ```ts
 * for await (const host of allItems((cursor) =>
 *   unwrap(mcn.GET("/v1/influencers", { params: { query: { cursor, limit: 200 } } })))) { … }
 * ```
 */
export async function* allItems<Item>(
  fetchPage: (cursor: string | undefined) => Promise<Page<Item>>,
): AsyncGenerator<Item, void, undefined> {
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    yield* page.items;
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
}
