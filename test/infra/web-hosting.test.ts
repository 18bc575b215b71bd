import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describe, expect, it } from 'vitest';
import { createS3Client } from '../../src/storage/aws/aws-clients.js';
import {
  PRIVATE_BUCKET,
  type Resource,
  resolveForReading,
  statementsIn,
  useStack,
} from './stack-template.js';

// infra/lib/web-hosting.ts: the web page next to the AWS API: a private bucket behind
// CloudFront, the page's security headers, and config.json pointing at the API.

const stack = useStack();
const { logicalId } = stack;

/** The logical id of the one resource of this type. */
const idOf = (type: string): string => {
  const { resources } = stack;
  const ids = Object.keys(resources).filter((id) => resources[id]?.Type === type);
  expect(ids, type).toHaveLength(1);
  return ids[0] as string;
};
const only = (type: string): Resource => {
  const found = Object.values(stack.resources).filter((r) => r.Type === type);
  expect(found, type).toHaveLength(1);
  return found[0] as Resource;
};

/** The page's Content-Security-Policy, tokens shown as <LogicalId> and <LogicalId.Attribute>. */
function pageCsp(): Map<string, string[]> {
  const policy = only('AWS::CloudFront::ResponseHeadersPolicy').Properties
    .ResponseHeadersPolicyConfig as {
    SecurityHeadersConfig: { ContentSecurityPolicy: { ContentSecurityPolicy: unknown } };
  };
  const text = resolveForReading(
    policy.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy,
    { 'AWS::Region': 'eu-west-1', 'AWS::URLSuffix': 'amazonaws.com' },
  );
  return new Map(
    text.split(';').map((directive) => {
      const [name, ...values] = directive.trim().split(/\s+/);
      return [name as string, values];
    }),
  );
}

describe('the web page on S3 + CloudFront', () => {
  it('is served by a distribution reading a private bucket through Origin Access Control', () => {
    const distribution = only('AWS::CloudFront::Distribution').Properties.DistributionConfig as {
      DefaultRootObject: string;
      DefaultCacheBehavior: Record<string, unknown>;
      Origins: Record<string, unknown>[];
    };
    expect(distribution.DefaultRootObject).toBe('index.html');
    expect(distribution.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'redirect-to-https',
      ResponseHeadersPolicyId: { Ref: logicalId('WebPageHeaders') },
    });
    expect(distribution.Origins).toEqual([
      expect.objectContaining({
        DomainName: { 'Fn::GetAtt': [logicalId('WebPageBucket'), 'RegionalDomainName'] },
        OriginAccessControlId: {
          'Fn::GetAtt': [idOf('AWS::CloudFront::OriginAccessControl'), 'Id'],
        },
        // No legacy Origin Access Identity.
        S3OriginConfig: { OriginAccessIdentity: '' },
      }),
    ]);
    expect(only('AWS::CloudFront::OriginAccessControl').Properties).toEqual({
      OriginAccessControlConfig: expect.objectContaining({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      }),
    });
  });

  it("keeps the page's bucket private: only this distribution may read it, only over TLS", () => {
    const bucket = stack.resources[logicalId('WebPageBucket')] as Resource;
    expect(bucket.Properties).toMatchObject(PRIVATE_BUCKET);
    expect(bucket.Properties.WebsiteConfiguration).toBeUndefined();
    expect(bucket.Properties.CorsConfiguration).toBeUndefined();

    const policy = Object.values(stack.resources).find(
      (r) =>
        r.Type === 'AWS::S3::BucketPolicy' &&
        JSON.stringify(r.Properties.Bucket) === JSON.stringify({ Ref: logicalId('WebPageBucket') }),
    ) as Resource;
    const statements = (
      policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }
    ).Statement;
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject',
        Resource: {
          'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId('WebPageBucket'), 'Arn'] }, '/*']],
        },
        Condition: { StringEquals: { 'AWS:SourceArn': expect.anything() } },
      },
    ]);
    expect(JSON.stringify(allows[0]?.Condition)).toContain(
      `{"Ref":"${idOf('AWS::CloudFront::Distribution')}"}`,
    );
    expect(statements.filter((s) => s.Effect === 'Deny')).toEqual([
      expect.objectContaining({
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    ]);
  });

  it("sends the page's strict CSP: its own scripts and styles, the API and the two buckets", () => {
    const csp = pageCsp();
    const api = `<${logicalId('HttpApi')}.ApiEndpoint>`;
    const source = `https://<${logicalId('SourceBucket')}>.s3.eu-west-1.amazonaws.com`;
    const destination = `https://<${logicalId('DestinationBucket')}>.s3.eu-west-1.amazonaws.com`;
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    // 'self' for config.json; the API; presigned PUTs (source) and the grid's fetch (destination).
    expect(csp.get('connect-src')).toEqual(["'self'", api, source, destination]);
    // Thumbnails (source), the grid (destination, or a blob: of it), upload previews (blob:).
    expect(csp.get('img-src')).toEqual(["'self'", 'blob:', api, source, destination]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('form-action')).toEqual(["'none'"]);
    expect([...csp.values()].flat().join(' ')).not.toMatch(/unsafe-|\*/);
  });

  it('names the bucket hosts exactly as the SDK signs presigned URLs in the functions', async () => {
    // The functions' S3 client, as configured for Lambda: virtual-hosted, regional.
    const client = createS3Client({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
    const bucketName = 'gridbuilder-sourcebucketddd2130a-1a2b3c4d5e6f';
    const signed = [
      await getSignedUrl(client, new GetObjectCommand({ Bucket: bucketName, Key: 'g/1.jpg' })),
      await getSignedUrl(client, new PutObjectCommand({ Bucket: bucketName, Key: '_uploads/g/1' })),
    ];
    const cspHost = pageCsp()
      .get('connect-src')
      ?.find((value) => value.includes(logicalId('SourceBucket')))
      ?.replace(`<${logicalId('SourceBucket')}>`, bucketName);
    for (const url of signed) expect(new URL(url).origin).toBe(cspHost);
  });

  it('sends nosniff, no framing, no referrer and HSTS', () => {
    const headers = (
      only('AWS::CloudFront::ResponseHeadersPolicy').Properties.ResponseHeadersPolicyConfig as {
        SecurityHeadersConfig: Record<string, unknown>;
      }
    ).SecurityHeadersConfig;
    expect(headers).toMatchObject({
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
      StrictTransportSecurity: { AccessControlMaxAgeSec: 31536000, Override: true },
      ContentSecurityPolicy: expect.objectContaining({ Override: true }),
    });
  });

  it("deploys the built page, with a config.json carrying the API's URL resolved at deploy time", async () => {
    const { resources } = stack;
    const deployments = Object.entries(resources).filter(
      ([, r]) => r.Type === 'Custom::CDKBucketDeployment',
    );
    expect(deployments).toHaveLength(2);
    const pageDeployment = resources[logicalId('WebDeployPageCustomResource')] as Resource;
    const props = pageDeployment.Properties as {
      DestinationBucketName: unknown;
      SourceObjectKeys: string[];
      SourceMarkers: Record<string, unknown>[];
      Exclude: string[];
      Prune: boolean;
      SystemMetadata: Record<string, string>;
    };
    expect(props.DestinationBucketName).toEqual({ Ref: logicalId('WebPageBucket') });
    expect(props.SourceObjectKeys).toHaveLength(2);
    expect(props).toMatchObject({
      Exclude: ['assets/*'],
      Prune: true,
      SystemMetadata: { 'cache-control': 'no-cache' },
    });

    // The staged sources, as the deployment's function will unpack them.
    const staged = (key: string) =>
      join(stack.synthesized.outdir, `asset.${key.replace(/\.zip$/, '')}`);
    const [pageKey, configKey] = props.SourceObjectKeys as [string, string];
    // The built page without its local config.json (empty apiUrl: same origin)...
    expect(existsSync(join(staged(pageKey), 'index.html'))).toBe(true);
    expect(existsSync(join(staged(pageKey), 'config.json'))).toBe(false);
    // ...and a config.json whose apiUrl is a marker the function replaces by the API's URL.
    const configText = await readFile(join(staged(configKey), 'config.json'), 'utf8');
    const markers = props.SourceMarkers[1] as Record<string, unknown>;
    const [marker, value] = Object.entries(markers)[0] as [string, unknown];
    expect(value).toEqual({ 'Fn::GetAtt': [logicalId('HttpApi'), 'ApiEndpoint'] });
    const apiUrl = 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com';
    expect(JSON.parse(configText.replace(marker, apiUrl))).toEqual({ apiUrl });
  });

  it('deploys hashed assets first, cached for a year and never pruned from under open pages', () => {
    const { resources } = stack;
    const assets = resources[logicalId('WebDeployAssetsCustomResource')] as Resource;
    expect(assets.Properties).toMatchObject({
      DestinationBucketName: { Ref: logicalId('WebPageBucket') },
      Exclude: ['*'],
      Include: ['assets/*'],
      Prune: false,
      SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' },
    });
    const pageDeployment = resources[logicalId('WebDeployPageCustomResource')] as Resource;
    expect([pageDeployment.DependsOn ?? []].flat()).toEqual(
      expect.arrayContaining([logicalId('WebDeployAssetsCustomResource')]),
    );
  });

  it('outputs the page URL next to the API URL', () => {
    stack.template.hasOutput('WebUrl', {
      Value: {
        'Fn::Join': [
          '',
          ['https://', { 'Fn::GetAtt': [idOf('AWS::CloudFront::Distribution'), 'DomainName'] }],
        ],
      },
    });
    stack.template.hasOutput('ApiUrl', {});
  });

  it('refuses to synthesize without a built page, and says how to fix it', () => {
    const missing = join(tmpdir(), 'gridbuilder-no-such-page');
    expect(() => stack.synth({ webRoot: missing })).toThrow(/npm run build.*-c web=false/s);
  });

  it("the page's deployment may touch only the page's bucket, the CDK assets and its logs", () => {
    const deployment = statementsIn(stack.template).filter(({ roles }) =>
      roles.some((role) => role.startsWith('WebDeployRole')),
    );
    expect(deployment.length).toBeGreaterThan(0);
    const text = JSON.stringify(deployment);
    for (const other of ['SourceBucket', 'DestinationBucket', 'ImagesTable', 'HttpApi']) {
      expect(text).not.toContain(other);
    }
    expect(text).not.toContain('cloudfront:'); // no invalidation: it needs Resource "*"
  });
});
