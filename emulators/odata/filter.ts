// $filter: parsed with @odata/parser, then converted into a small AST of our own so the evaluator (and each
// service's rules, e.g. Business Central refusing `or` across fields) never depend on the parser's node shapes.
import { defaultParser } from "@odata/parser";

export type LiteralType = "string" | "guid" | "date" | "datetime" | "number" | "boolean" | "null";
export interface Literal {
  type: LiteralType;
  value: string | number | boolean | null;
}

export type Operand =
  | { kind: "property"; path: string[] }
  | { kind: "literal"; literal: Literal }
  | { kind: "call"; name: string; args: Operand[] };

export type CompareOp = "eq" | "ne" | "gt" | "ge" | "lt" | "le";

export type FilterExpr =
  | { kind: "and" | "or"; left: FilterExpr; right: FilterExpr }
  | { kind: "not"; expr: FilterExpr }
  | { kind: "compare"; op: CompareOp; left: Operand; right: Operand }
  /** Boolean-valued method: contains, startswith, endswith. */
  | { kind: "method"; name: string; args: Operand[] }
  /** Namespace-qualified function, e.g. Microsoft.Dynamics.CRM.In(PropertyName='x',PropertyValues=["a"]). */
  | { kind: "function"; namespace: string; name: string; params: Record<string, Literal | Literal[]> }
  | { kind: "lambda"; quantifier: "any" | "all"; path: string[]; variable: string; predicate: FilterExpr | null }
  /** A bare boolean operand (`creditonhold`). */
  | { kind: "truthy"; operand: Operand };

export type FilterParse = { ok: true; expr: FilterExpr } | { ok: false; message: string };

interface Node {
  type: string;
  // biome-ignore lint/suspicious/noExplicitAny: @odata/parser node values are untyped; toExpr narrows them.
  value: any;
  raw: string;
}

class FilterSyntaxError extends Error {}

const COMPARE: Record<string, CompareOp> = {
  EqualsExpression: "eq",
  NotEqualsExpression: "ne",
  GreaterThanExpression: "gt",
  GreaterOrEqualsExpression: "ge",
  LesserThanExpression: "lt",
  LesserOrEqualsExpression: "le",
};

/** Parses a decoded `$filter` value. `aliases` are the request's `@p1=...` parameter values (raw text). */
export function parseFilter(text: string, aliases: Record<string, string> = {}): FilterParse {
  const ids = idList(text);
  if (ids) return { ok: true, expr: ids };
  const cut = cutNestedLambdas(text);
  if (cut) return parseWithNestedLambdas(cut, aliases);
  const masked = maskControlCharacters(text);
  let root: Node;
  try {
    root = defaultParser.filter(masked.text) as unknown as Node;
  } catch (error) {
    return { ok: false, message: `Syntax error in $filter '${text}': ${(error as Error).message}` };
  }
  if (!root || root.raw.length !== masked.text.length) {
    return { ok: false, message: `Syntax error at position ${root?.raw.length ?? 0} in '${text}'.` };
  }
  try {
    const expr = toExpr(root, aliases);
    if (masked.unmask) unmaskLiterals(expr, masked.unmask);
    return { ok: true, expr };
  } catch (error) {
    if (error instanceof FilterSyntaxError) return { ok: false, message: error.message };
    throw error;
  }
}

/**
 * Nested lambdas (filter-rows.md: `contact_customer_accounts/any(c:c/jobtitle eq 'jobtitle' and
 * c/opportunity_customer_contacts/any(o:o/description ne 'N/A'))`). @odata/parser keeps "inside a lambda
 * predicate" in module-wide flags that an inner lambda resets on its way out, so the outer predicate then fails to
 * parse. Each lambda nested in another is cut out before parsing: its text is replaced by a comparison on a
 * placeholder under the same variable (`c/<placeholder> eq true`), parsed on its own (recursively), and put back in
 * the tree where the placeholder is.
 */
interface CutLambdas {
  text: string;
  nested: Map<string, string>;
}

const NESTED_PLACEHOLDER = "bcsyncnestedlambda";
const LAMBDA_OPENING = /\/(any|all)\(\s*[A-Za-z_]\w*\s*:/y;

function cutNestedLambdas(text: string): CutLambdas | undefined {
  if (!/\/(any|all)\(/.test(text)) return undefined;
  const nested = new Map<string, string>();
  let out = "";
  // Open parentheses: whether each opens a lambda.
  const open: boolean[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "'") {
      // A string literal, copied as it is.
      const end = literalEnd(text, i);
      out += text.slice(i, end + 1);
      i = end + 1;
      continue;
    }
    const lambda = c === "/" ? lambdaOpeningAt(text, i) : null;
    if (lambda && open.includes(true)) {
      // The path before `/any(`: back over the name characters already copied.
      const path = /[A-Za-z_][\w/]*$/.exec(out)?.[0] ?? "";
      const close = closingParenthesis(text, i + lambda[0].length);
      if (!path || close < 0) return undefined;
      const placeholder = `${NESTED_PLACEHOLDER}${nested.size}`;
      nested.set(placeholder, `${path}${text.slice(i, close + 1)}`);
      out = `${out.slice(0, out.length - path.length)}${path.split("/")[0]}/${placeholder} eq true`;
      i = close + 1;
      continue;
    }
    if (lambda) {
      open.push(true);
      out += text.slice(i, i + 5);
      i += 5;
      continue;
    }
    if (c === "(") open.push(false);
    else if (c === ")") open.pop();
    out += c;
    i++;
  }
  return nested.size ? { text: out, nested } : undefined;
}

/** `/any(x:` or `/all(x:` starting exactly at `at`, or null. */
function lambdaOpeningAt(text: string, at: number): RegExpExecArray | null {
  LAMBDA_OPENING.lastIndex = at;
  return LAMBDA_OPENING.exec(text);
}

/** The index of the quote closing the string literal opened at `start` ('' inside is an escaped quote). */
function literalEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && !(text[i] === "'" && text[i + 1] !== "'")) i += text[i] === "'" ? 2 : 1;
  return i;
}

/** The index of the `)` closing the parenthesis open at `from` (inside it), or -1. */
function closingParenthesis(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === "'") i = literalEnd(text, i);
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return i;
  }
  return -1;
}

function parseWithNestedLambdas(cut: CutLambdas, aliases: Record<string, string>): FilterParse {
  const outer = parseFilter(cut.text, aliases);
  if (!outer.ok) return outer;
  const inner = new Map<string, FilterExpr>();
  for (const [placeholder, text] of cut.nested) {
    const parsed = parseFilter(text, aliases);
    if (!parsed.ok) return parsed;
    inner.set(placeholder, parsed.expr);
  }
  const restore = (e: FilterExpr): FilterExpr => {
    switch (e.kind) {
      case "and":
      case "or":
        return { ...e, left: restore(e.left), right: restore(e.right) };
      case "not":
        return { ...e, expr: restore(e.expr) };
      case "lambda":
        return e.predicate ? { ...e, predicate: restore(e.predicate) } : e;
      case "compare": {
        const name = e.left.kind === "property" ? e.left.path.at(-1) : undefined;
        return (name ? inner.get(name) : undefined) ?? e;
      }
      default:
        return e;
    }
  };
  return { ok: true, expr: restore(outer.expr) };
}

const GUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const ID_LIST = new RegExp(`^([A-Za-z_]\\w*) eq ${GUID}(?: or \\1 eq ${GUID})*$`);
const GUIDS = new RegExp(GUID, "g");

/**
 * `p eq <guid> or p eq <guid> …`, how clients read records by id (a hundred at a time for a page's secondary rows),
 * built directly as the tree the parser gives (right-nested ors): @odata/parser took 6 ms for 100 ids, the largest
 * part of the Business Central emulator's CPU in a 20,000-item sync. Anything else goes through the parser.
 */
function idList(text: string): FilterExpr | undefined {
  const match = ID_LIST.exec(text);
  if (!match) return undefined;
  const property = match[1];
  const compares = [...text.matchAll(GUIDS)].map(
    ([id]): FilterExpr => ({
      kind: "compare",
      op: "eq",
      left: { kind: "property", path: [property] },
      right: { kind: "literal", literal: { type: "guid", value: id } },
    }),
  );
  return compares.reduceRight((right, left) => ({ kind: "or", left, right }));
}

// OData's string literals may hold any character, control characters included (sent percent-encoded, ABNF
// `pct-encoded-no-SQUOTE`), and both services accept them; @odata/parser lexes the decoded text and refuses
// U+0000–U+001F and U+007F. Inside single-quoted literals those are swapped for private-use characters the filter
// does not contain, and swapped back in the parsed literals. Outside a literal they stay a syntax error.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is masked.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

function maskControlCharacters(text: string): { text: string; unmask?: (value: string) => string } {
  if (!CONTROL_CHARACTER.test(text)) return { text };
  // A block of 128 private-use code points none of which the filter uses, so unmasking is exact.
  let base = 0xe000;
  while ([...text].some((c) => c.codePointAt(0)! >= base && c.codePointAt(0)! < base + 0x80)) base += 0x80;
  let out = "";
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'" && CONTROL_CHARACTER.test(c)) out += String.fromCharCode(base + c.charCodeAt(0));
    else out += c;
    if (quote === '"' && c === "\\") {
      out += text[++i] ?? "";
      continue;
    }
    // '' inside a single-quoted literal is an escaped quote: closing and reopening gives the same state.
    if (quote === undefined && (c === "'" || c === '"')) quote = c;
    else if (c === quote) quote = undefined;
  }
  const masked = new RegExp(`[${String.fromCharCode(base)}-${String.fromCharCode(base + 0x7f)}]`, "g");
  return { text: out, unmask: (value) => value.replace(masked, (m) => String.fromCharCode(m.charCodeAt(0) - base)) };
}

function unmaskLiterals(expr: FilterExpr, unmask: (value: string) => string): void {
  const literal = (l: Literal) => {
    if (l.type === "string" && typeof l.value === "string") l.value = unmask(l.value);
  };
  const operand = (o: Operand): void => {
    if (o.kind === "literal") literal(o.literal);
    else if (o.kind === "call") o.args.forEach(operand);
  };
  walkFilter(expr, (e) => {
    if (e.kind === "compare") [e.left, e.right].forEach(operand);
    else if (e.kind === "method") e.args.forEach(operand);
    else if (e.kind === "truthy") operand(e.operand);
    else if (e.kind === "function")
      for (const p of Object.values(e.params)) (Array.isArray(p) ? p : [p]).forEach(literal);
  });
}

function unwrap(node: Node): Node {
  let n = node;
  while (n.type === "CommonExpression" || n.type === "BoolParenExpression" || n.type === "ParenExpression") n = n.value;
  return n;
}

/**
 * @odata/parser lets `not` swallow the rest of the expression (`not a and b` comes back as `not (a and b)`).
 * OData's `not` binds tighter than `and`/`or`, so the negation is pushed down to the leftmost operand of an
 * unparenthesised and/or chain: `negate` marks that operand.
 */
function toExpr(input: Node, aliases: Record<string, string>, negate = false): FilterExpr {
  let node = input;
  while (node.type === "CommonExpression") node = node.value;
  const leaf = (expr: FilterExpr): FilterExpr => (negate ? { kind: "not", expr } : expr);
  switch (node.type) {
    case "BoolParenExpression":
    case "ParenExpression":
      return leaf(toExpr(node.value, aliases));
    case "AndExpression":
    case "OrExpression":
      return {
        kind: node.type === "AndExpression" ? "and" : "or",
        left: toExpr(node.value.left, aliases, negate),
        right: toExpr(node.value.right, aliases),
      };
    case "NotExpression":
      return toExpr(node.value, aliases, !negate);
    case "MethodCallExpression": {
      const name = String(node.value.method);
      const args = (node.value.parameters as Node[]).map((p) => toOperand(p, aliases));
      if (name === "contains" || name === "startswith" || name === "endswith") {
        if (args.length !== 2) throw new FilterSyntaxError(`${name} takes 2 arguments.`);
        return leaf({ kind: "method", name, args });
      }
      return leaf({ kind: "truthy", operand: { kind: "call", name, args } });
    }
    case "FunctionExpression":
      return leaf(toFunction(node, aliases));
    case "FirstMemberExpression":
    case "MemberExpression":
    case "PropertyPathExpression": {
      const lambda = findLambda(node, aliases);
      if (lambda) return leaf(lambda);
      return leaf({ kind: "truthy", operand: toOperand(node, aliases) });
    }
    default: {
      const op = COMPARE[node.type];
      if (op) {
        return leaf({
          kind: "compare",
          op,
          left: toOperand(node.value.left, aliases),
          right: toOperand(node.value.right, aliases),
        });
      }
      throw new FilterSyntaxError(`The expression '${node.raw}' is not supported.`);
    }
  }
}

function toFunction(node: Node, aliases: Record<string, string>): FilterExpr {
  const fn = node.value.fn.value as { name: string; namespace?: string };
  const params: Record<string, Literal | Literal[]> = {};
  for (const p of (node.value.params?.value ?? []) as Node[]) {
    const name = p.value.name.value.name as string;
    const given = p.value.value as Node;
    const value = unwrap(given.type === "ParameterAlias" ? given : (given.value as Node));
    if (value.type === "Array") {
      params[name] = (value.value.items as Node[]).map((item) => toLiteral(item));
    } else if (value.type === "Literal") {
      params[name] = toLiteral(value);
    } else if (value.type === "ParameterAlias") {
      params[name] = aliasValue(value.value.name, aliases);
    } else {
      throw new FilterSyntaxError(`Unsupported parameter value '${value.raw}'.`);
    }
  }
  return { kind: "function", namespace: fn.namespace ?? "", name: fn.name, params };
}

function findLambda(node: Node, aliases: Record<string, string>): FilterExpr | undefined {
  const path: string[] = [];
  let n: Node | undefined = node;
  while (n) {
    if (n.type === "FirstMemberExpression" || n.type === "MemberExpression") {
      if (Array.isArray(n.value)) return undefined;
      n = n.value;
    } else if (n.type === "PropertyPathExpression") {
      if (n.value?.current) {
        path.push(n.value.current.value.name);
        n = n.value.next;
      } else {
        return undefined;
      }
    } else if (n.type === "SingleNavigationExpression" || n.type === "CollectionNavigationExpression") {
      n = n.value;
    } else if (n.type === "CollectionPathExpression") {
      const lambda = n.value as Node;
      if (lambda.type !== "AnyExpression" && lambda.type !== "AllExpression") return undefined;
      const variable = lambda.value.variable?.value?.name ?? "";
      const predicate = lambda.value.predicate ? toExpr(lambda.value.predicate.value, aliases) : null;
      return { kind: "lambda", quantifier: lambda.type === "AnyExpression" ? "any" : "all", path, variable, predicate };
    } else {
      return undefined;
    }
  }
  return undefined;
}

function toOperand(input: Node, aliases: Record<string, string>): Operand {
  const node = unwrap(input);
  switch (node.type) {
    case "Literal":
      return { kind: "literal", literal: toLiteral(node) };
    case "ParameterAlias": {
      // An alias may name a property (`$orderby=@p1&@p1=revenue`); an alias without a value is null.
      const raw = (aliases[node.value.name] ?? aliases[`@${node.value.name}`])?.trim();
      if (raw === undefined) return { kind: "literal", literal: { type: "null", value: null } };
      if (/^[A-Za-z_][\w]*(\/[A-Za-z_][\w]*)*$/.test(raw) && !/^(null|true|false)$/.test(raw))
        return { kind: "property", path: raw.split("/") };
      return { kind: "literal", literal: aliasLiteral(node.value.name, aliases) };
    }
    case "MethodCallExpression":
      return {
        kind: "call",
        name: String(node.value.method),
        args: (node.value.parameters as Node[]).map((p) => toOperand(p, aliases)),
      };
    case "FirstMemberExpression":
    case "MemberExpression":
    case "PropertyPathExpression":
      return { kind: "property", path: memberPath(node) };
    default:
      throw new FilterSyntaxError(`The operand '${node.raw}' is not supported.`);
  }
}

function memberPath(node: Node): string[] {
  const path: string[] = [];
  const visit = (n: Node | Node[] | undefined): void => {
    if (!n) return;
    if (Array.isArray(n)) {
      for (const part of n) visit(part);
      return;
    }
    switch (n.type) {
      case "LambdaVariableExpression":
      case "ODataIdentifier":
        path.push(n.value.name);
        return;
      case "PropertyPathExpression":
        if (n.value?.current) {
          visit(n.value.current);
          visit(n.value.next);
        } else {
          visit(n.value);
        }
        return;
      default:
        visit(n.value);
    }
  };
  visit(node);
  return path;
}

function aliasLiteral(name: string, aliases: Record<string, string>): Literal {
  const raw = aliases[name] ?? aliases[`@${name}`];
  if (raw === undefined) throw new FilterSyntaxError(`Parameter alias '@${name}' is not defined.`);
  return parseLiteralText(raw);
}

/** A function parameter given by alias: a literal, or an array (`@p2=["a","O'Brian"]`, `@p2=['a','b']`). */
function aliasValue(name: string, aliases: Record<string, string>): Literal | Literal[] {
  const raw = aliases[name] ?? aliases[`@${name}`];
  if (raw === undefined) throw new FilterSyntaxError(`Parameter alias '@${name}' is not defined.`);
  return raw.trim().startsWith("[") ? parseArrayText(raw.trim()) : parseLiteralText(raw);
}

/**
 * An array value as the service's JSON reader takes it: double-quoted JSON strings, single-quoted strings (no
 * escapes: a quote inside one ends it, as filter-rows "Manage single quotes" documents), numbers, true/false/null.
 */
export function parseArrayText(text: string): Literal[] {
  const out: Literal[] = [];
  let i = 1;
  const space = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const invalid = (): never => {
    throw new FilterSyntaxError(
      "Invalid JSON. A comma character ',' was expected in scope 'Array'. Every two elements in an array and properties of an object must be separated by commas.",
    );
  };
  space();
  if (text[i] === "]") {
    i++;
  } else {
    for (;;) {
      space();
      const c = text[i];
      if (c === '"') {
        let j = i + 1;
        while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
        if (j >= text.length) throw new FilterSyntaxError(`Invalid JSON. Unterminated string in '${text}'.`);
        out.push({ type: "string", value: JSON.parse(text.slice(i, j + 1)) as string });
        i = j + 1;
      } else if (c === "'") {
        const j = text.indexOf("'", i + 1);
        if (j < 0) throw new FilterSyntaxError(`Invalid JSON. Unterminated string in '${text}'.`);
        out.push({ type: "string", value: text.slice(i + 1, j) });
        i = j + 1;
      } else {
        const m = /^[^,\]\s]+/.exec(text.slice(i));
        if (!m) invalid();
        out.push(parseLiteralText((m as RegExpExecArray)[0]));
        i += (m as RegExpExecArray)[0].length;
      }
      space();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "]") {
        i++;
        break;
      }
      invalid();
    }
  }
  space();
  if (i !== text.length) invalid();
  return out;
}

/** Parses a literal as written in a URL (used for parameter aliases and key segments). */
export function parseLiteralText(raw: string): Literal {
  const text = raw.trim();
  if (text === "null") return { type: "null", value: null };
  if (text === "true" || text === "false") return { type: "boolean", value: text === "true" };
  if (text.startsWith("'") && text.endsWith("'") && text.length >= 2) {
    return { type: "string", value: text.slice(1, -1).replace(/''/g, "'") };
  }
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) {
    return { type: "guid", value: text.toLowerCase() };
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return { type: "date", value: text };
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) return { type: "datetime", value: text };
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[mMdDfFlL]?$/.test(text)) {
    return { type: "number", value: Number(text.replace(/[mMdDfFlL]$/, "")) };
  }
  throw new FilterSyntaxError(`Unrecognized literal '${text}'.`);
}

function toLiteral(node: Node): Literal {
  const edmType = String(node.value);
  const raw = node.raw;
  switch (edmType) {
    case "null":
      return { type: "null", value: null };
    case "Edm.String":
      return { type: "string", value: raw.slice(1, -1).replace(/''/g, "'") };
    case "string":
      // JSON string inside a Dataverse PropertyValues array.
      return { type: "string", value: JSON.parse(raw) as string };
    case "Edm.Guid":
      return { type: "guid", value: raw.toLowerCase() };
    case "Edm.Date":
      return { type: "date", value: raw };
    case "Edm.DateTimeOffset":
      return { type: "datetime", value: raw };
    case "Edm.Boolean":
      return { type: "boolean", value: raw === "true" };
    case "number":
    case "Edm.Decimal":
    case "Edm.Double":
    case "Edm.Single":
    case "Edm.Int64":
    case "Edm.Int32":
    case "Edm.Int16":
    case "Edm.Byte":
    case "Edm.SByte":
      return { type: "number", value: Number(raw.replace(/[mMdDfFlL]$/, "")) };
    default:
      return parseLiteralText(raw);
  }
}

/** Visits every node of a filter (for per-service checks such as property existence or forbidden operators). */
export function walkFilter(expr: FilterExpr, visit: (expr: FilterExpr) => void): void {
  visit(expr);
  switch (expr.kind) {
    case "and":
    case "or":
      walkFilter(expr.left, visit);
      walkFilter(expr.right, visit);
      return;
    case "not":
      walkFilter(expr.expr, visit);
      return;
    case "lambda":
      if (expr.predicate) walkFilter(expr.predicate, visit);
      return;
    default:
      return;
  }
}

/** Every property path an expression reads, outside lambdas' own variables. */
export function filterPaths(expr: FilterExpr): string[][] {
  const paths: string[][] = [];
  const fromOperand = (o: Operand): void => {
    if (o.kind === "property") paths.push(o.path);
    else if (o.kind === "call") o.args.forEach(fromOperand);
  };
  walkFilter(expr, (e) => {
    if (e.kind === "compare") {
      fromOperand(e.left);
      fromOperand(e.right);
    } else if (e.kind === "method") e.args.forEach(fromOperand);
    else if (e.kind === "truthy") fromOperand(e.operand);
    else if (e.kind === "function") {
      const name = e.params.PropertyName;
      if (name && !Array.isArray(name) && typeof name.value === "string") paths.push(name.value.split("/"));
    } else if (e.kind === "lambda") paths.push(e.path);
  });
  return paths;
}

/**
 * true when an `or` combines conditions on different fields, e.g. `a eq 1 or b eq 2` (Business Central refuses
 * these; `a eq 1 or a eq 2` is fine). A hook for services with that rule.
 */
export function orAcrossFields(expr: FilterExpr): boolean {
  let across = false;
  walkFilter(expr, (e) => {
    if (e.kind !== "or" || across) return;
    const fields = new Set(filterPaths(e).map((p) => p.join("/")));
    if (fields.size > 1) across = true;
  });
  return across;
}
