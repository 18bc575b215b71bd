import { type CfnResource, type Stack, Validations } from 'aws-cdk-lib';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import type { Api } from './api.js';
import type { ApiKey } from './api-key.js';
import type { Functions } from './functions.js';
import type { Storage } from './storage.js';
import type { WebHosting } from './web-hosting.js';

/**
 * The findings of cdk-nag's AwsSolutions pack the stack keeps, each with why
 * (test/infra/cdk-nag.test.ts runs the pack with every switch: any other finding fails
 * it). They are acknowledged on the construct they are about, never the whole stack, so
 * a new resource with the same finding is still reported.
 */
export function acknowledgeNagFindings(
  stack: Stack,
  {
    storage,
    functions,
    api,
    web,
    apiKey,
  }: {
    apiKey: ApiKey | undefined;
    storage: Storage;
    functions: Functions;
    api: Api;
    web: WebHosting | undefined;
  },
): void {
  const acknowledge = (scope: IConstruct, id: string, reason: string) =>
    Validations.of(scope).acknowledge({ id: `AwsSolutions-${id}`, reason });
  /** The id cdk-nag gives a policy's resource `${bucket ARN}/${pattern}`. */
  const objects = (bucket: IBucket, pattern: string) =>
    `IAM5[Resource::<${stack.resolve((bucket.node.defaultChild as CfnResource).logicalId)}.Arn>/${pattern}]`;
  const { source, destination } = storage;

  const buckets = [source, destination, ...(web ? [web.bucket] : [])];
  for (const bucket of buckets) {
    acknowledge(
      bucket,
      'S1',
      'Objects are reached through the API, whose access log records every request, and ' +
        'through presigned links it hands out; S3 server access logs would need one more ' +
        'bucket to keep. Turn on CloudTrail data events for a per-object audit.',
    );
  }

  // Image keys are GRID_ID/IMAGE_ID.ext and grids GRID_ID/..., ids made per upload and
  // per build: a function serving any grid needs any key of the bucket, which holds
  // nothing but GridBuilder's objects. test/lambda/least-privilege.test.ts runs every
  // function under its role.
  const anyKey =
    'Object keys are ids made per image and per grid, so a function that serves any grid ' +
    'needs the bucket\'s objects ("/*"); the actions and the bucket are named, and ' +
    'test/lambda/least-privilege.test.ts runs each function under this role.';
  const rolePolicy = (fn: IConstruct) => fn.node.findChild('DefaultPolicy');
  const roles = {
    addImage: functions.addImage.role,
    generateGrid: functions.generateGrid.role,
    grids: functions.grids.role,
    buildWorker: functions.buildWorker.role,
    renditions: functions.renditions.role,
  };
  for (const role of [roles.addImage, roles.generateGrid, roles.grids, roles.buildWorker]) {
    acknowledge(rolePolicy(role as IConstruct), objects(source, '*'), anyKey);
  }
  for (const role of [roles.generateGrid, roles.grids, roles.buildWorker]) {
    acknowledge(rolePolicy(role as IConstruct), objects(destination, '*'), anyKey);
  }
  acknowledge(
    rolePolicy(roles.renditions as IConstruct),
    objects(source, '*/*'),
    `It reads images only (GRID_ID/IMAGE_ID.ext: a "/" in the key). ${anyKey}`,
  );
  acknowledge(
    rolePolicy(roles.renditions as IConstruct),
    objects(source, '_renditions/*'),
    `It writes renditions only (keys under _renditions/). ${anyKey}`,
  );

  for (const fn of [
    functions.addImage,
    functions.generateGrid,
    functions.grids,
    functions.buildWorker,
    functions.renditions,
  ]) {
    acknowledge(
      fn,
      'L1',
      'Node.js 22 is the runtime the bundle is built for (esbuild target node22) and tested ' +
        'against; a newer one is a change to make with its own test run.',
    );
  }
  for (const queue of [functions.renditionsFailures, functions.buildWorkerFailures]) {
    acknowledge(
      queue,
      'SQS3',
      'This is a dead-letter queue: the invocations Lambda gave up on after its retries, ' +
        'kept 14 days for a person; an alarm watches it.',
    );
  }
  acknowledge(
    storage.node.findChild('SourceNotificationsRole'),
    'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'CDK attaches the managed policy to the role of its notifications handler; a deletion ' +
      'override takes it off again (test/infra/storage.test.ts checks the role has none).',
  );

  for (const route of api.httpApi.node.children) {
    const reason = api.authorizationReason(route.node.id);
    if (reason) acknowledge(route, 'APIG4', reason);
  }
  if (apiKey) {
    acknowledge(
      apiKey.secret,
      'SMG4',
      'The functions read the key at their cold start, so a rotation Lambda would break ' +
        'callers until every sandbox is replaced: rotate by hand, storing "NEW,OLD" first ' +
        '(every comma-separated key is accepted), as the README says.',
    );
  }
  if (api.cognito) {
    const { userPool } = api.cognito;
    acknowledge(
      userPool,
      'COG2',
      'Users are created by an administrator (no self sign-up) and sign in from scripts ' +
        'with a password; require MFA in the pool when your users can set it up.',
    );
    acknowledge(
      userPool,
      'COG8',
      "The Plus feature plan's threat protection costs per user; the pool has no self " +
        'sign-up and the API is throttled.',
    );
  }

  if (web) {
    const cdkDeployment = stack.node.children.find((child) =>
      child.node.id.startsWith('Custom::CDKBucketDeployment'),
    );
    if (cdkDeployment) {
      acknowledge(
        cdkDeployment,
        'L1',
        "CDK's BucketDeployment function: CDK chooses its runtime and updates it with aws-cdk-lib.",
      );
    }
    const deployPolicy = rolePolicy(web.node.findChild('DeployRole'));
    for (const action of ['Abort*', 'DeleteObject*', 'GetBucket*', 'GetObject*', 'List*']) {
      acknowledge(
        deployPolicy,
        `IAM5[Action::s3:${action}]`,
        "CDK's BucketDeployment grants these to the role that copies the page into its " +
          'bucket; they reach only that bucket and the CDK assets bucket.',
      );
    }
    acknowledge(
      deployPolicy,
      objects(web.bucket, '*'),
      'The page deployment replaces every file of the page bucket, which holds only the page.',
    );
    acknowledge(
      deployPolicy,
      'IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
      "CDK's BucketDeployment reads the page's zip from the CDK assets bucket, under a key CDK names.",
    );
    const distribution = web.distribution;
    const reasons: Record<string, string> = {
      CFR1: 'The page is for everyone the deployer lets use the API; restrict countries in the distribution if needed.',
      CFR2: 'The page is static files; the API behind it is throttled at its stage. Add AWS WAF (billed per rule and request) if you need it.',
      CFR3: 'CloudFront standard logs need a bucket with ACLs enabled; the page is static, and the API it calls keeps its own access log.',
      CFR4: 'The distribution uses the default *.cloudfront.net certificate, with which CloudFront does not let a minimum TLS version be set; use a custom domain and certificate to set TLSv1.2_2021.',
    };
    for (const [rule, reason] of Object.entries(reasons)) acknowledge(distribution, rule, reason);
  }
}
