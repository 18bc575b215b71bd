import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Resources, statementsIn, useStack } from './stack-template.js';

// infra/lib/gridbuilder-stack.ts: what the stack adds to its constructs (the logical
// ids, outputs, the context switches), what holds across all of them, and the CDK app.

const stack = useStack();

describe('the logical ids', () => {
  // A new logical id is a new resource to CloudFormation: an update would replace the
  // buckets and the table (with new, empty ones) and the API (under a new URL).
  it('are those the resources had before storage, functions and API became constructs', () => {
    const outsideWeb = (template: Template) =>
      Object.keys(template.toJSON().Resources as Resources)
        .filter((id) => !/^(Web|CustomCDKBucketDeployment)/.test(id))
        .sort();
    const added =
      /^(Renditions|SourceNotifications|SourceBucket(Notifications|Allow)|BucketNotificationsHandler|BuildWorker|HttpApiGETgridsgridIdbuilds|ApiKey|Operations)/;
    expect(outsideWeb(stack.template).filter((id) => !added.test(id))).toEqual([
      'AddImage19DD3588',
      'AddImageLogs9DF0B074',
      'AddImageRole95B4D3E4',
      'AddImageRoleDefaultPolicyFCC20CC4',
      'DestinationBucket4BECDB47',
      'DestinationBucketPolicyFCD81088',
      'GenerateGridE030D970',
      'GenerateGridLogs4542A28C',
      'GenerateGridRole4D53DB3A',
      'GenerateGridRoleDefaultPolicy111221B4',
      'GridsD92AE5EC',
      'GridsLogs9E889E66',
      'GridsRoleDAF959BE',
      'GridsRoleDefaultPolicy92ED2A5F',
      'HttpApiDELETEgridsgridId882AD663',
      'HttpApiDELETEgridsgridIdGridsIntegrationPermission24FDD4FB',
      'HttpApiDELETEgridsgridIdimagesimageIdC15648E9',
      'HttpApiDELETEgridsgridIdimagesimageIdGridsIntegrationPermission48C3C1FC',
      'HttpApiDefaultStage3EEB07D6',
      'HttpApiF5A9A8A7',
      'HttpApiGETdocsE75E8DD2',
      'HttpApiGETdocsGridsIntegrationPermission31E6F46C',
      'HttpApiGETgridsgridIdF4564D2D',
      'HttpApiGETgridsgridIdGridsIntegrationE232491C',
      'HttpApiGETgridsgridIdGridsIntegrationPermission9B9F61C2',
      'HttpApiGEThealthAB1F4856',
      'HttpApiGEThealthGridsIntegrationPermission551B4A81',
      'HttpApiGETopenapijsonF2409AE2',
      'HttpApiGETopenapijsonGridsIntegrationPermission3D3CF69E',
      'HttpApiPOSTaddimageAddImageIntegration7584DA4A',
      'HttpApiPOSTaddimageAddImageIntegrationPermissionF8715BB3',
      'HttpApiPOSTaddimageC860C2CA',
      'HttpApiPOSTgenerategrid44C8103D',
      'HttpApiPOSTgenerategridGenerateGridIntegration15E33BCF',
      'HttpApiPOSTgenerategridGenerateGridIntegrationPermission0D02F5C0',
      'HttpApiPOSTgridsgridIduploads7728BCB2',
      'HttpApiPOSTgridsgridIduploadsGridsIntegrationPermission6CFE26ED',
      'HttpApiPOSTgridsgridIduploadsuploadIdconfirmD29E75B6',
      'HttpApiPOSTgridsgridIduploadsuploadIdconfirmGridsIntegrationPermission768F9208',
      'ImagesTable39278AD9',
      'SourceBucketDDD2130A',
      'SourceBucketPolicy703DFBF9',
    ]);
    // Added since, by the renditions function and the source bucket's notifications, and
    // by the build worker and the route to a build's status.
    expect(outsideWeb(stack.template)).toEqual(
      expect.arrayContaining([
        'BuildWorkerEventInvokeConfigDF18FDE8',
        'BuildWorkerFailuresD67568AD',
        'BuildWorkerFailuresPolicyF088B094',
        'BuildWorkerLogsE2BFE4F9',
        'BuildWorkerRoleF4BAFB79',
        'BuildWorkerRoleDefaultPolicy5070C366',
        'BuildWorkerF2700F5A',
        'HttpApiGETgridsgridIdbuildsbuildId063BE51E',
        'HttpApiGETgridsgridIdbuildsbuildIdGridsIntegrationPermission5B746069',
        'BucketNotificationsHandler050a0587b7544547bf325f094a3db8347ECC3691',
        'Renditions81538D22',
        'RenditionsEventInvokeConfig3F8344AC',
        'RenditionsFailuresA3DF47FB',
        'RenditionsFailuresPolicyC944AF94',
        'RenditionsLogsD45396DB',
        'RenditionsRole2EA1297F',
        'RenditionsRoleDefaultPolicyF622C224',
        'SourceBucketAllowBucketNotificationsToGridBuilderFunctionsRenditions2772623CF400DAB9',
        'SourceBucketNotifications0A6F2084',
        'SourceBucketNotificationsHandlerPolicyA7339FA2',
        'SourceNotificationsLogs3E0AC360',
        'SourceNotificationsRole520EBA3D',
        'SourceNotificationsRoleDefaultPolicyCD351406',
        // And by the API key of the default auth (-c auth=apikey).
        'ApiKeySecret5E0E1F3C',
      ]),
    );
    const secured = outsideWeb(stack.synth({ auth: 'cognito' }).template);
    expect(secured).toEqual(
      expect.arrayContaining([
        'HttpApiCognitoAuthorizer935FA0F6',
        'UserPool6BA7E5F2',
        'UserPoolClient2F5918F7',
      ]),
    );
  });
});

describe('least-privilege IAM', () => {
  // BucketDeployment (the web page's copy into its bucket) gets its S3 permissions from
  // CDK's own grants, whose actions end in "*" (s3:GetObject*, s3:List*...). Those are
  // the only wildcards allowed, only for that role, and only on the page's bucket and
  // the CDK assets bucket the page is copied from. Its resources are never "*".
  const DEPLOYMENT_GRANT_WILDCARDS = [
    's3:Abort*',
    's3:DeleteObject*',
    's3:GetBucket*',
    's3:GetObject*',
    's3:List*',
  ];

  it('no policy has a wildcard action or a "*" resource, and no role has a managed policy', () => {
    for (const template of [
      stack.template,
      stack.synth({ auth: 'cognito' }).template,
      stack.synth({ web: false }).template,
    ]) {
      const statements = statementsIn(template);
      expect(statements.length).toBeGreaterThan(0);
      for (const { statement, roles } of statements) {
        expect(statement.Effect).toBe('Allow');
        for (const resource of [statement.Resource].flat()) {
          expect(resource).not.toBe('*');
        }
        const wildcards = ([statement.Action].flat() as string[]).filter((a) => a.includes('*'));
        if (wildcards.length === 0) continue;
        expect(
          roles.every((role) => role.startsWith('WebDeployRole')),
          JSON.stringify(statement),
        ).toBe(true);
        expect(DEPLOYMENT_GRANT_WILDCARDS).toEqual(expect.arrayContaining(wildcards));
        for (const resource of [statement.Resource].flat()) {
          expect(JSON.stringify(resource)).toMatch(/WebPageBucket|cdk-hnb659fds-assets-/);
        }
      }
      for (const role of Object.values(template.toJSON().Resources as Resources).filter(
        (r) => r.Type === 'AWS::IAM::Role',
      )) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    }
  });
});

describe('web: false (-c web=false)', () => {
  it('leaves out the bucket, the distribution, its headers, the deployments and WebUrl', () => {
    const apiOnly = stack.synth({ web: false }).template;
    apiOnly.resourceCountIs('AWS::S3::Bucket', 2);
    for (const type of [
      'AWS::CloudFront::Distribution',
      'AWS::CloudFront::OriginAccessControl',
      'AWS::CloudFront::ResponseHeadersPolicy',
      'Custom::CDKBucketDeployment',
    ]) {
      apiOnly.resourceCountIs(type, 0);
    }
    // The five of src/lambda/handlers.ts and CDK's handler of the bucket notifications.
    apiOnly.resourceCountIs('AWS::Lambda::Function', 6);
    expect(Object.keys(apiOnly.findOutputs('*'))).not.toContain('WebUrl');
    apiOnly.hasOutput('ApiUrl', {});
  });

  it('needs no built page', () => {
    const missing = join(tmpdir(), 'gridbuilder-no-such-page');
    expect(() => stack.synth({ web: false, webRoot: missing })).not.toThrow();
  });
});

describe('auth: apikey (the default)', () => {
  it('outputs the secret and the command that prints the key', () => {
    const secret = { Ref: stack.logicalId('ApiKeySecret') };
    stack.template.hasOutput('ApiKeySecretArn', { Value: secret });
    stack.template.hasOutput('ApiKeyCommand', {
      Value: {
        'Fn::Join': [
          '',
          [
            'aws secretsmanager get-secret-value --region ',
            { Ref: 'AWS::Region' },
            ' --secret-id ',
            secret,
            ' --query SecretString --output text',
          ],
        ],
      },
    });
  });
});

describe('auth: none (-c auth=none)', () => {
  it('warns at synth that the API is open, and outputs no key', () => {
    const open = stack.synth({ auth: 'none' });
    Annotations.fromStack(open.stack).hasWarning(
      '*',
      Match.stringLikeRegexp('-c auth=none: the API is open.*gridbuilder:open-api'),
    );
    const outputs = Object.keys(open.template.findOutputs('*'));
    expect(outputs).not.toContain('ApiKeySecretArn');
    expect(outputs).not.toContain('ApiKeyCommand');
  });
});

describe('auth: cognito (-c auth=cognito)', () => {
  it('warns that the page has no sign-in when the API sits behind Cognito', () => {
    expect(
      Annotations.fromStack(stack.synthesized.stack).findWarning('*', Match.anyValue()),
    ).toEqual([]);
    const secured = stack.synth({ auth: 'cognito' });
    Annotations.fromStack(secured.stack).hasWarning(
      '*',
      Match.stringLikeRegexp('The web page has no Cognito sign-in'),
    );
  });
});

describe('the template', () => {
  // Template.fromStack refuses a template with a dependency cycle (CloudFormation would
  // refuse it at deploy time), so every synthesis in these tests also checks that.
  it('has no dependency cycle, with every switch', () => {
    for (const props of [
      {},
      { web: false },
      { auth: 'cognito' as const },
      { auth: 'none' as const },
      { buildConcurrency: 0 },
      { destroyData: true },
      { corsOrigins: ['https://grids.example.com'] },
      { alarmEmail: 'ops@example.com' },
    ]) {
      expect(() => stack.synth(props), JSON.stringify(props)).not.toThrow();
    }
  });

  it("is why the buckets' CORS cannot name the page's CloudFront origin (the CSP names the buckets)", () => {
    const unsynthesized = stack.build();
    const source = unsynthesized.storage.source.node.defaultChild as CfnBucket;
    source.addPropertyOverride('CorsConfiguration.CorsRules.0.AllowedOrigins', [
      unsynthesized.web?.url,
    ]);
    expect(() => Template.fromStack(unsynthesized)).toThrow(
      /dependency cycle: SourceBucket\w* -> WebDistribution\w* -> WebPageHeaders\w* -> SourceBucket/,
    );
  });
});

describe('the CDK app (infra/bin/gridbuilder.ts)', () => {
  const run = promisify(execFile);
  let outdir: string;
  beforeAll(async () => {
    outdir = await mkdtemp(join(tmpdir(), 'gridbuilder-cdk-app-'));
  });
  afterAll(() => rm(outdir, { recursive: true, force: true }));

  /** Runs the app as `cdk synth -c ...` does: context and output folder in the environment. */
  const synthApp = (context: Record<string, unknown>) =>
    run(process.execPath, ['--import', 'tsx', 'infra/bin/gridbuilder.ts'], {
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], ...context }),
      },
    });

  it('-c web=false synthesizes the API alone', async () => {
    await synthApp({ web: 'false' });
    const file = (await readdir(outdir)).find((name) => name.endsWith('.template.json'));
    const template = JSON.parse(readFileSync(join(outdir, file as string), 'utf8')) as {
      Resources: Resources;
      Outputs: Record<string, unknown>;
    };
    const types = Object.values(template.Resources).map((r) => r.Type);
    expect(types).toContain('AWS::ApiGatewayV2::Api');
    expect(types).not.toContain('AWS::CloudFront::Distribution');
    expect(Object.keys(template.Outputs)).toContain('ApiUrl');
    expect(Object.keys(template.Outputs)).not.toContain('WebUrl');
    expect(readdirSync(outdir).some((name) => name.startsWith('asset.'))).toBe(false);
  });

  const templateIn = async () => {
    const file = (await readdir(outdir)).find((name) => name.endsWith('.template.json'));
    return JSON.parse(readFileSync(join(outdir, file as string), 'utf8')) as {
      Resources: Resources;
    };
  };

  it('protects the API with a key, throttles it and caps builds with no -c at all', async () => {
    await synthApp({ web: 'false' });
    const resources = Object.values((await templateIn()).Resources);
    expect(resources.map((r) => r.Type)).toContain('AWS::SecretsManager::Secret');
    const stage = resources.find((r) => r.Type === 'AWS::ApiGatewayV2::Stage');
    expect(stage?.Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 50,
      ThrottlingBurstLimit: 100,
    });
    const reserved = resources.filter((r) => r.Properties.ReservedConcurrentExecutions === 10);
    expect(reserved).toHaveLength(2);
  });

  it('passes -c auth, throttleRate, throttleBurst and buildConcurrency to the stack', async () => {
    await synthApp({
      web: 'false',
      auth: 'none',
      throttleRate: '20',
      throttleBurst: '40',
      buildConcurrency: '0',
    });
    const resources = Object.values((await templateIn()).Resources);
    expect(resources.map((r) => r.Type)).not.toContain('AWS::SecretsManager::Secret');
    const stage = resources.find((r) => r.Type === 'AWS::ApiGatewayV2::Stage');
    expect(stage?.Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 20,
      ThrottlingBurstLimit: 40,
    });
    expect(resources.filter((r) => 'ReservedConcurrentExecutions' in r.Properties)).toEqual([]);
  });

  it('refuses an auth, throttle or concurrency value it does not understand', async () => {
    await expect(synthApp({ auth: 'open' })).rejects.toThrow(
      /-c auth=open: use "apikey" \(the default\), "cognito" or "none"/,
    );
    for (const [name, value] of [
      ['throttleRate', '0'],
      ['throttleRate', 'fast'],
      ['throttleBurst', '1.5'],
      ['buildConcurrency', '-1'],
    ]) {
      await expect(synthApp({ web: 'false', [name as string]: value })).rejects.toThrow(
        new RegExp(`-c ${name}=${value}: `),
      );
    }
  });

  it('refuses a web or corsOrigins value it does not understand', async () => {
    await expect(synthApp({ web: 'no' })).rejects.toThrow(/-c web=no: use "true" or "false"/);
    await expect(synthApp({ web: 'false', corsOrigins: 'grids.example.com' })).rejects.toThrow(
      /"grids.example.com" is not an origin/,
    );
    await expect(synthApp({ web: 'false', alarmEmail: 'ops' })).rejects.toThrow(
      /-c alarmEmail=ops: give an e-mail address/,
    );
  });
});
