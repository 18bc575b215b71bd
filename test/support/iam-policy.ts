/**
 * IAM's evaluation of identity-based policy statements, for the least-privilege
 * harness (test/support/policy-proxy.ts): an explicit Deny wins, else one Allow is
 * needed, else the request is denied. Actions match case-insensitively, resources
 * case-sensitively, both with IAM's `*` and `?` wildcards. Conditions are evaluated
 * with the operators GridBuilder's roles use; any other operator, or a condition key
 * the request context does not carry, throws: the harness must not pass a statement
 * it cannot read.
 */

/** A statement as the template holds it, its values resolved to strings. */
export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** One action on one resource, with the condition keys IAM would know for it. */
export interface AuthorizationRequest {
  action: string;
  resource: string;
  /** Multivalued keys (e.g. dynamodb:LeadingKeys) as arrays. */
  context?: Record<string, string[]>;
}

export type Decision = 'allowed' | 'implicitly denied' | 'explicitly denied';

/** The condition keys the request mapping supplies (test/support/aws-request-actions.ts). */
const KNOWN_KEYS = new Set(['dynamodb:LeadingKeys', 's3:prefix']);

const list = (value: string | string[]) => [value].flat();

/** IAM's glob: `*` any run of characters, `?` one character. */
function globMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

const OPERATORS: Record<string, (expected: string, actual: string) => boolean> = {
  StringEquals: (expected, actual) => expected === actual,
  StringLike: (expected, actual) => globMatches(expected, actual),
};
/** A negated operator holds for a value that matches none of the expected ones. */
const NEGATED: Record<string, string> = {
  StringNotEquals: 'StringEquals',
  StringNotLike: 'StringLike',
};

function conditionHolds(
  qualifiedOperator: string,
  conditions: Record<string, string | string[]>,
  context: Record<string, string[]>,
): boolean {
  const [qualifier, operator] = qualifiedOperator.includes(':')
    ? (qualifiedOperator.split(':') as [string, string])
    : [undefined, qualifiedOperator];
  const negated = operator in NEGATED;
  const test = OPERATORS[NEGATED[operator] ?? operator];
  if (!test || (qualifier && !['ForAllValues', 'ForAnyValue'].includes(qualifier))) {
    throw new Error(`the harness cannot evaluate the condition operator ${qualifiedOperator}`);
  }
  return Object.entries(conditions).every(([key, expected]) => {
    if (!KNOWN_KEYS.has(key)) {
      throw new Error(`the harness does not supply the condition key ${key}`);
    }
    const actual = context[key] ?? [];
    const matchesOne = (value: string) => list(expected).some((e) => test(e, value)) !== negated;
    // IAM's set operators: ForAllValues holds for an empty set, ForAnyValue does not.
    if (qualifier === 'ForAllValues') return actual.every(matchesOne);
    if (qualifier === 'ForAnyValue') return actual.some(matchesOne);
    return actual.length === 1 && matchesOne(actual[0] as string);
  });
}

function statementApplies(statement: Statement, request: AuthorizationRequest): boolean {
  return (
    list(statement.Action).some((a) => globMatches(a, request.action, true)) &&
    list(statement.Resource).some((r) => globMatches(r, request.resource)) &&
    Object.entries(statement.Condition ?? {}).every(([operator, conditions]) =>
      conditionHolds(operator, conditions, request.context ?? {}),
    )
  );
}

export function evaluate(
  statements: readonly Statement[],
  request: AuthorizationRequest,
): Decision {
  const applying = statements.filter((s) => statementApplies(s, request));
  if (applying.some((s) => s.Effect === 'Deny')) return 'explicitly denied';
  return applying.some((s) => s.Effect === 'Allow') ? 'allowed' : 'implicitly denied';
}

/**
 * A grant: one action of an Allow statement, on that statement's resources, written
 * `ACTION on RESOURCE,...`.
 */
export const grantsOf = (statement: Statement): string[] =>
  statement.Effect === 'Allow'
    ? list(statement.Action).map((a) => `${a} on ${list(statement.Resource).join(',')}`)
    : [];

/** The grants that allow the request (none when it is denied). */
export function grantsUsedBy(
  statements: readonly Statement[],
  request: AuthorizationRequest,
): string[] {
  if (evaluate(statements, request) !== 'allowed') return [];
  return statements
    .filter((s) => s.Effect === 'Allow' && statementApplies(s, request))
    .flatMap((s) =>
      grantsOf({
        ...s,
        Action: list(s.Action).filter((a) => globMatches(a, request.action, true)),
      }),
    );
}
