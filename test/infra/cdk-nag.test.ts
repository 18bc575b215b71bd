import { rmSync } from 'node:fs';
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import type { GridBuilderStackProps } from '../../infra/lib/gridbuilder-stack.js';
import { useStack } from './stack-template.js';

// cdk-nag's AwsSolutions pack on the stack, with every switch: a finding the stack does
// not acknowledge (infra/lib/nag-acknowledgements.ts, each with its reason) fails the
// synthesis, as it would fail `cdk synth` with the pack added to the app.

const stack = useStack();
const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** Synthesizes the stack as `cdk synth` would with the pack, and answers the error it threw, if any. */
function nag(props: GridBuilderStackProps): string {
  const app = stack.build(props).node.root as App;
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
    return '';
  } catch (error) {
    return String(error);
  } finally {
    outdirs.push(app.outdir);
  }
}

describe('cdk-nag (AwsSolutions)', () => {
  it.each([
    ['the defaults', {}],
    ['auth=cognito and alarms mailed', { auth: 'cognito' as const, alarmEmail: 'ops@example.com' }],
    ['the API alone, data destroyed with the stack', { web: false, destroyData: true }],
  ])('finds nothing unacknowledged with %s', (_name, props) => {
    expect(nag(props)).toBe('');
  });

  it('has a reason for every acknowledgement', () => {
    const reasons: string[] = [];
    const visit = (node: IConstruct) => {
      for (const entry of node.node.metadata) {
        if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
          reasons.push(...Object.values(entry.data as Record<string, string>));
        }
      }
      node.node.children.forEach(visit);
    };
    visit(stack.build({ auth: 'cognito', alarmEmail: 'ops@example.com' }));
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(reason.split(' ').length).toBeGreaterThan(5);
  });
});
