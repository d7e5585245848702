// What each upstream dialect takes of the OpenAI chat request, for the fields
// where servers differ. A request is checked against its route's targets
// before any call: the primary target must take it (else a 400 naming the
// field and the dialect), and a fallback that cannot is skipped, and the skip
// recorded among the attempts. Sources: OpenAI's API reference (stop ≤ 4,
// function role, allowed_tools and custom tools); vLLM's ChatCompletionRequest
// (any role string reaches the chat template, so ipython for Llama 3.1;
// function tools only); TGI and LoRAX (--max-stop-sequences defaults to 4,
// one choice per request, function tools only). Unset dialect means "openai".
import { MAX_CHOICES, MAX_STOP_STRINGS, type ChatCompletionRequest } from "../schemas/chat";

export type Dialect = "vllm" | "lorax" | "tgi" | "openai" | "workers-ai";

interface Capabilities {
  maxChoices: number;
  /** Infinity: the provider does not forward `stop` at all. */
  maxStop: number;
  /** Roles beyond system, developer, user, assistant and tool. */
  extraRoles: ReadonlySet<string>;
  refusalOnlyAssistant: boolean;
  allowedToolsChoice: boolean;
  customTools: boolean;
}

const NONE: ReadonlySet<string> = new Set();

const CAPABILITIES: Record<Dialect, Capabilities> = {
  openai: {
    maxChoices: MAX_CHOICES,
    maxStop: 4,
    extraRoles: new Set(["function"]),
    refusalOnlyAssistant: true,
    allowedToolsChoice: true,
    customTools: true,
  },
  vllm: {
    maxChoices: MAX_CHOICES,
    maxStop: MAX_STOP_STRINGS,
    extraRoles: new Set(["function", "ipython"]),
    refusalOnlyAssistant: true,
    allowedToolsChoice: false,
    customTools: false,
  },
  lorax: {
    maxChoices: 1,
    maxStop: 4,
    extraRoles: NONE,
    refusalOnlyAssistant: false,
    allowedToolsChoice: false,
    customTools: false,
  },
  tgi: {
    maxChoices: 1,
    maxStop: 4,
    extraRoles: NONE,
    refusalOnlyAssistant: false,
    allowedToolsChoice: false,
    customTools: false,
  },
  "workers-ai": {
    maxChoices: 1,
    maxStop: Infinity,
    extraRoles: NONE,
    refusalOnlyAssistant: false,
    allowedToolsChoice: false,
    customTools: false,
  },
};

/** How many stop strings the dialect takes: a longer list (client's and a tone preset's) is cut to it. */
export function maxStopFor(dialect: Dialect): number {
  return CAPABILITIES[dialect].maxStop;
}

export function dialectOf(upstream: { kind: string; dialect?: string | null }): Dialect {
  if (upstream.kind === "workers-ai") return "workers-ai";
  return (upstream.dialect as Dialect | undefined) ?? "openai";
}

/** What a request asks of its upstream, computed once and checked against each target's dialect. */
export interface RequestNeeds {
  choices: number;
  stops: number;
  /** Index of the first message with each extra role. */
  roles: Map<string, number>;
  refusalOnlyAt: number;
  allowedTools: boolean;
  customToolAt: number;
}

export function requestNeeds(body: ChatCompletionRequest): RequestNeeds {
  const roles = new Map<string, number>();
  let refusalOnlyAt = -1;
  const messages = body.messages as { role: string; content?: unknown; refusal?: unknown; tool_calls?: unknown[] }[];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if ((m.role === "function" || m.role === "ipython") && !roles.has(m.role)) roles.set(m.role, i);
    if (
      refusalOnlyAt === -1 &&
      m.role === "assistant" &&
      m.content == null &&
      !m.tool_calls?.length &&
      m.refusal != null
    ) {
      refusalOnlyAt = i;
    }
  }
  const choice = body.tool_choice as { type?: string } | string | undefined;
  return {
    choices: body.n ?? 1,
    stops: Array.isArray(body.stop) ? body.stop.length : body.stop ? 1 : 0,
    roles,
    refusalOnlyAt,
    allowedTools: typeof choice === "object" && choice?.type === "allowed_tools",
    customToolAt: ((body.tools ?? []) as { type: string }[]).findIndex((t) => t.type === "custom"),
  };
}

/** The first field the dialect cannot take, as `param` names it, with why; null when it takes all. */
export function unsupportedField(dialect: Dialect, needs: RequestNeeds): { param: string; problem: string } | null {
  const can = CAPABILITIES[dialect];
  if (needs.choices > can.maxChoices) return { param: "n", problem: `takes at most ${can.maxChoices} choice(s)` };
  if (needs.stops > can.maxStop) return { param: "stop", problem: `takes at most ${can.maxStop} stop strings` };
  for (const [role, at] of needs.roles) {
    if (!can.extraRoles.has(role))
      return { param: `messages[${at}].role`, problem: `does not take the '${role}' role` };
  }
  if (needs.refusalOnlyAt !== -1 && !can.refusalOnlyAssistant) {
    return {
      param: `messages[${needs.refusalOnlyAt}].refusal`,
      problem: "does not take an assistant message with only a refusal",
    };
  }
  if (needs.allowedTools && !can.allowedToolsChoice) {
    return { param: "tool_choice", problem: "does not take tool_choice of type allowed_tools" };
  }
  if (needs.customToolAt !== -1 && !can.customTools) {
    return { param: `tools[${needs.customToolAt}].type`, problem: "takes function tools only" };
  }
  return null;
}
