/**
 * The CDK app: `npm run deploy` / `npm run synth` / `npm run destroy`.
 * Context switches (`-c name=value`):
 *   auth=apikey           (the default) an API key generated at deploy into Secrets Manager,
 *                         checked by the functions; the outputs say how to print it
 *   auth=cognito          JWT authorizer with a Cognito user pool on the API
 *   auth=none             an open API, as in the lab (synth warns)
 *   throttleRate=50       the API stage's requests a second, on average
 *   throttleBurst=100     the requests at once it takes above that rate
 *   buildConcurrency=10   reserved concurrency of generate_grid and of the build worker,
 *                         each; 0 for none (an account with a concurrency limit under 120)
 *   cpu=x64               x86_64 functions instead of arm64 (Graviton)
 *   tableName=GridBuilder a fixed table name (default: generated)
 *   destroyData=true      `destroy` also deletes the buckets' objects and the table
 *   gridRetentionDays=30  how long built grids are kept
 *   web=false             the API alone, without the web page on S3 + CloudFront
 *   alarmEmail=ops@example.com
 *                         mail the alarms to this address (an SNS topic; confirm the
 *                         subscription mail it gets); default: alarms on the dashboard only
 *   corsOrigins=https://a.example,https://b.example
 *                         origins allowed to use the API and the presigned URLs from a
 *                         browser (default "*"), e.g. the WebUrl of a first deploy
 */
import { App } from 'aws-cdk-lib';
import { GridBuilderStack } from '../lib/gridbuilder-stack.js';

const app = new App();
const context = (name: string): string | undefined => {
  const value = app.node.tryGetContext(name);
  return value === undefined || value === '' ? undefined : String(value);
};

const auth = context('auth') ?? 'apikey';
if (auth !== 'apikey' && auth !== 'cognito' && auth !== 'none') {
  throw new Error(`-c auth=${auth}: use "apikey" (the default), "cognito" or "none"`);
}
/** A number context switch, or `fallback`; refused unless `valid`. */
const numberOf = (name: string, fallback: number, valid: (n: number) => boolean, rule: string) => {
  const text = context(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!valid(value)) throw new Error(`-c ${name}=${text}: ${rule}`);
  return value;
};
const throttle = {
  rate: numberOf('throttleRate', 50, (n) => n > 0, 'use a number of requests a second above 0'),
  burst: numberOf(
    'throttleBurst',
    100,
    (n) => Number.isInteger(n) && n >= 1,
    'use a whole number from 1',
  ),
};
const buildConcurrency = numberOf(
  'buildConcurrency',
  10,
  (n) => Number.isInteger(n) && n >= 0,
  'use a whole number, or 0 for no reserved concurrency',
);
const cpu = context('cpu') ?? 'arm64';
if (cpu !== 'arm64' && cpu !== 'x64') throw new Error(`-c cpu=${cpu}: use "arm64" or "x64"`);
const retention = context('gridRetentionDays');
const web = context('web') ?? 'true';
if (web !== 'true' && web !== 'false') throw new Error(`-c web=${web}: use "true" or "false"`);
const corsOrigins = context('corsOrigins')
  ?.split(',')
  .map((origin) => origin.trim())
  .filter(Boolean);
for (const origin of corsOrigins ?? []) {
  if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
    throw new Error(
      `-c corsOrigins: "${origin}" is not an origin (https://host[:port], no path) or "*"`,
    );
  }
}

const alarmEmail = context('alarmEmail');
if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) {
  throw new Error(`-c alarmEmail=${alarmEmail}: give an e-mail address such as ops@example.com`);
}

new GridBuilderStack(app, context('stackName') ?? 'GridBuilder', {
  auth,
  throttle,
  buildConcurrency,
  cpu,
  tableName: context('tableName'),
  destroyData: context('destroyData') === 'true',
  web: web === 'true',
  ...(corsOrigins?.length ? { corsOrigins } : {}),
  ...(alarmEmail ? { alarmEmail } : {}),
  ...(retention ? { gridRetentionDays: Number(retention) } : {}),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  description:
    'GridBuilder: API Gateway + Lambda + S3 + DynamoDB (the lab "Moving to Amazon API Gateway")',
});
